import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeConnectedSender, turnJobs } from '@herald/testing';
import { sql } from 'kysely';
import { startTestGateway, type TestGateway } from './support/gateway.ts';
import { call } from './support/http.ts';
import { ledgerTotals } from './support/ledger.ts';

// Each test forces a real database failure inside POST /api/send's transaction (a constraint
// added for the occasion) and checks that the campaign, its messages and its turn all vanished.
let gw: TestGateway;
before(async () => {
  gw = await startTestGateway();
});
after(() => gw.close());

const send = (body: unknown) => call('POST', `${gw.url}/api/send`, { body });
const valid = { template: 'Hello!', recipients: ['21698000001'] };

describe('POST /api/send is atomic', () => {
  test('a failure while enqueueing the turn leaves no campaign and no messages behind', async () => {
    const sender = '21650000001';
    await makeConnectedSender(gw.db, sender);
    // A real database failure at the very last statement of the transaction: pg-boss's job
    // insert violates a constraint added for this sender only.
    await sql`ALTER TABLE pgboss.job ADD CONSTRAINT refuse_test_sender
              CHECK (data->>'sender_number' IS DISTINCT FROM ${sql.lit(sender)})`.execute(gw.db);
    try {
      const before = await ledgerTotals(gw.db, gw.boss);
      const res = await send({
        ...valid,
        sender_number: sender,
        recipients: ['21698000001', '21698000002'],
      });
      assert.equal(res.status, 500);
      assert.equal(res.body.error.code, 'INTERNAL');
      assert.deepEqual(await ledgerTotals(gw.db, gw.boss), before);
    } finally {
      await sql`ALTER TABLE pgboss.job DROP CONSTRAINT refuse_test_sender`.execute(gw.db);
    }
    const retried = await send({ ...valid, sender_number: sender });
    assert.equal(retried.status, 201);
    assert.equal((await turnJobs(gw.boss, sender)).length, 1);
  });

  test('a failure while inserting the messages leaves no campaign and no turn behind', async () => {
    const sender = '21650000002';
    await makeConnectedSender(gw.db, sender);
    await sql`ALTER TABLE messages ADD CONSTRAINT refuse_poison CHECK (body <> 'poison') NOT VALID`.execute(
      gw.db,
    );
    try {
      const before = await ledgerTotals(gw.db, gw.boss);
      const res = await send({ ...valid, sender_number: sender, template: 'poison' });
      assert.equal(res.status, 500);
      assert.deepEqual(await ledgerTotals(gw.db, gw.boss), before);
      assert.equal((await turnJobs(gw.boss, sender)).length, 0);
    } finally {
      await sql`ALTER TABLE messages DROP CONSTRAINT refuse_poison`.execute(gw.db);
    }
  });
});
