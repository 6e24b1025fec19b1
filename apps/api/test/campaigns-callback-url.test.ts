import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeConnectedSender } from '@herald/testing';
import { startTestGateway, type TestGateway } from './support/gateway.ts';
import { call } from './support/http.ts';
import { ledgerTotals } from './support/ledger.ts';

const SENDER = '21642108077';
let gw: TestGateway;
let permissive: TestGateway;

before(async () => {
  gw = await startTestGateway();
  permissive = await startTestGateway({ CLIENT_WEBHOOK_ALLOW_PRIVATE: 'true' });
  await makeConnectedSender(gw.db, SENDER);
  await makeConnectedSender(permissive.db, SENDER);
});
after(async () => {
  await gw.close();
  await permissive.close();
});

const send = (target: TestGateway, callbackUrl: unknown) =>
  call('POST', `${target.url}/api/send`, {
    body: {
      sender_number: SENDER,
      template: 'Hi',
      recipients: ['21698000001'],
      callback_url: callbackUrl,
    },
  });

describe('callback_url on POST /api/send', () => {
  test('refuses loopback, private and link-local targets, and writes nothing', async () => {
    const totals = await ledgerTotals(gw.db, gw.boss);
    for (const url of [
      'http://127.0.0.1:9000/hook',
      'http://localhost:9000/hook',
      'http://10.1.2.3/hook',
      'http://192.168.1.10/hook',
      'http://169.254.169.254/latest/meta-data',
      'http://[::1]/hook',
      'http://[fe80::1]/hook',
    ]) {
      const res = await send(gw, url);
      assert.equal(res.status, 400, url);
      assert.equal(res.body.error.code, 'CALLBACK_URL_REFUSED', url);
    }
    for (const wrong of ['ftp://93.184.216.34/x', 'not a url', 42]) {
      const res = await send(gw, wrong);
      assert.equal(res.status, 400);
      assert.equal(res.body.error.code, 'VALIDATION_FAILED');
    }
    assert.deepEqual(await ledgerTotals(gw.db, gw.boss), totals);
  });

  test('stores a public target with the campaign', async () => {
    const res = await send(gw, 'https://93.184.216.34/hook');
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const row = await gw.db
      .selectFrom('campaigns')
      .select('callback_url')
      .where('id', '=', res.body.id)
      .executeTakeFirstOrThrow();
    assert.equal(row.callback_url, 'https://93.184.216.34/hook');
  });

  test('accepts a private target when CLIENT_WEBHOOK_ALLOW_PRIVATE is set', async () => {
    const res = await send(permissive, 'http://127.0.0.1:9000/hook');
    assert.equal(res.status, 201, JSON.stringify(res.body));
  });
});
