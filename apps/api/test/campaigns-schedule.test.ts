import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeConnectedSender, turnJobs } from '@herald/testing';
import { startTestGateway, type TestGateway } from './support/gateway.ts';
import { call } from './support/http.ts';
import { ledgerTotals } from './support/ledger.ts';

let gw: TestGateway;
const A = '21620000511';

before(async () => {
  gw = await startTestGateway();
  await makeConnectedSender(gw.db, A, { tier: 'PLUS' });
});
after(() => gw.close());

const control = (id: number, action: string) =>
  call('POST', `${gw.url}/api/campaigns/${id}/${action}?sender_number=${A}`);

async function expectRefused(
  request: () => ReturnType<typeof control>,
  status: number,
  code: string,
) {
  const before = await ledgerTotals(gw.db, gw.boss);
  const res = await request();
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body.error.code, code);
  assert.deepEqual(await ledgerTotals(gw.db, gw.boss), before, 'a refused campaign writes nothing');
}

describe('POST /api/send with send_at', () => {
  const send = (body: Record<string, unknown>) =>
    call('POST', `${gw.url}/api/send`, {
      body: { sender_number: A, template: 'Later', recipients: ['21698000101'], ...body },
    });

  test('stores a future send_at as a SCHEDULED campaign without queueing a turn', async () => {
    await gw.boss.deleteAllJobs();
    const at = new Date(Date.now() + 3600_000);
    const res = await send({ send_at: at.toISOString().replace('Z', '+00:00') });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.status, 'SCHEDULED');
    assert.equal(res.body.send_at, at.toISOString());
    assert.equal((await turnJobs(gw.boss, A)).length, 0, 'no turn before send_at');
    const paused = await control(res.body.id, 'pause');
    assert.equal(paused.body.status, 'PAUSED');
    assert.equal((await control(res.body.id, 'resume')).body.status, 'SCHEDULED');
  });

  test('sends a past send_at now', async () => {
    const res = await send({ send_at: '2020-01-01T10:00:00+02:00' });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.status, 'PENDING');
  });

  test('refuses send_at beyond a year, without an offset, or not a date, and writes nothing', async () => {
    const refusals: [unknown, string][] = [
      [new Date(Date.now() + 367 * 24 * 3600_000).toISOString(), 'SEND_AT_TOO_FAR'],
      ['2030-01-01T10:00:00', 'VALIDATION_FAILED'],
      ['tomorrow', 'VALIDATION_FAILED'],
      [1767225600000, 'VALIDATION_FAILED'],
    ];
    for (const [sendAt, code] of refusals) {
      await expectRefused(() => send({ send_at: sendAt }), 400, code);
    }
  });
});
