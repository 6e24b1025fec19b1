import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { deleteExpiredIdempotencyKeys } from '@herald/db';
import { makeConnectedSender } from '@herald/testing';
import { sql } from 'kysely';
import { startTestGateway, type TestGateway } from './support/gateway.ts';
import { call } from './support/http.ts';
import { ledgerTotals } from './support/ledger.ts';

let gw: TestGateway;
const SENDER = '21642108077';
const OTHER_SENDER = '21642108078';

before(async () => {
  gw = await startTestGateway();
  await makeConnectedSender(gw.db, SENDER);
  await makeConnectedSender(gw.db, OTHER_SENDER);
});
after(() => gw.close());

const body = (sender = SENDER, template = 'Hello {{name}}!') => ({
  sender_number: sender,
  template,
  variables: { name: 'Sami' },
  recipients: ['21698000001', '21698000002', '21698000001'],
});
const send = (payload: unknown, key?: string) =>
  call('POST', `${gw.url}/api/send`, {
    body: payload,
    headers: key === undefined ? {} : { 'Idempotency-Key': key },
  });
const campaignsOf = async (sender: string) =>
  gw.db.selectFrom('campaigns').select('id').where('sender_number', '=', sender).execute();

describe('POST /api/send with an Idempotency-Key', () => {
  test('20 concurrent identical submits make exactly one campaign, and all answer with it', async () => {
    const before = (await campaignsOf(SENDER)).length;
    const answers = await Promise.all(Array.from({ length: 20 }, () => send(body(), 'race-key-1')));
    for (const answer of answers) assert.equal(answer.status, 201, JSON.stringify(answer.body));
    const ids = new Set(answers.map((a) => a.body.id));
    assert.equal(ids.size, 1, 'every answer names the same campaign');
    assert.equal((await campaignsOf(SENDER)).length, before + 1);
    const replayed = answers.filter((a) => a.headers.get('idempotent-replayed') === 'true');
    assert.equal(replayed.length, 19, 'all but the first say they are replays');
    const first = answers.find((a) => a.headers.get('idempotent-replayed') === null);
    for (const answer of replayed) assert.deepEqual(answer.body, first?.body);
    assert.deepEqual(first?.body.duplicate_recipients, ['21698000001']);
  });

  test('a replay later still returns the original campaign and status code', async () => {
    const first = await send(body(SENDER, 'Later {{name}}'), 'later-key');
    assert.equal(first.status, 201);
    const again = await send(body(SENDER, 'Later {{name}}'), 'later-key');
    assert.equal(again.status, 201);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.deepEqual(again.body, first.body);
  });

  test('the same key with another body is refused with 422 and writes nothing', async () => {
    assert.equal((await send(body(SENDER, 'One {{name}}'), 'reused-key')).status, 201);
    const totals = await ledgerTotals(gw.db, gw.boss);
    const reused = await send(body(SENDER, 'Two {{name}}'), 'reused-key');
    assert.equal(reused.status, 422);
    assert.equal(reused.body.error.code, 'IDEMPOTENCY_KEY_REUSED');
    assert.deepEqual(await ledgerTotals(gw.db, gw.boss), totals);
  });

  test('keys are scoped per sender', async () => {
    const mine = await send(body(SENDER, 'Scoped {{name}}'), 'shared-key');
    const theirs = await send(body(OTHER_SENDER, 'Scoped {{name}}'), 'shared-key');
    assert.equal(mine.status, 201);
    assert.equal(theirs.status, 201);
    assert.notEqual(mine.body.id, theirs.body.id);
    assert.equal(theirs.headers.get('idempotent-replayed'), null);
  });

  test('an empty, overlong or non-ASCII key is refused with 400 and writes nothing', async () => {
    const totals = await ledgerTotals(gw.db, gw.boss);
    for (const key of ['', 'k'.repeat(256), 'clé']) {
      const res = await send(body(), key);
      assert.equal(res.status, 400, key);
      assert.equal(res.body.error.code, 'INVALID_IDEMPOTENCY_KEY');
    }
    assert.equal((await send(body(), 'k'.repeat(255))).status, 201, '255 characters are fine');
    assert.equal((await ledgerTotals(gw.db, gw.boss)).campaigns, totals.campaigns + 1);
  });

  test('keys are kept 24 h, then forgotten by the cleanup', async () => {
    const first = await send(body(SENDER, 'Old {{name}}'), 'old-key');
    const age = async (hours: number) =>
      sql`UPDATE idempotency_keys SET created_at = now() - make_interval(hours => ${hours})
          WHERE key = 'old-key'`.execute(gw.db);
    await age(23);
    assert.equal(await deleteExpiredIdempotencyKeys(gw.db, 24 * 3600), 0);
    assert.equal((await send(body(SENDER, 'Old {{name}}'), 'old-key')).body.id, first.body.id);
    await age(25);
    assert.equal(await deleteExpiredIdempotencyKeys(gw.db, 24 * 3600), 1);
    const fresh = await send(body(SENDER, 'Old {{name}}'), 'old-key');
    assert.equal(fresh.status, 201);
    assert.notEqual(fresh.body.id, first.body.id);
  });
});
