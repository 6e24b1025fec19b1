import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { moveCampaignCounters } from '../src/queries/ledger.ts';
import {
  createTestDatabase,
  makeCampaign,
  makeConnectedSender,
  type TestDatabase,
} from '../src/testing/index.ts';
import { campaignRow, counters } from './support.ts';

let t: TestDatabase;
let sender: string;
before(async () => {
  t = await createTestDatabase();
  sender = '21620800001';
  await makeConnectedSender(t.db, sender);
});
after(() => t.drop());

let recipients = 0;
const campaignOf = async (size: number) => {
  const to = Array.from({ length: size }, () => String(21698500000 + ++recipients));
  return (await makeCampaign(t.db, { sender, recipients: to, body: 'Hi' })).id;
};
const move = (
  id: number,
  from: 'PENDING' | 'SENDING',
  to: 'SENDING' | 'SENT' | 'FAILED' | 'UNKNOWN',
  count = 1,
) => t.db.transaction().execute((trx) => moveCampaignCounters(trx, id, from, to, count));

describe('campaign counters', () => {
  it('start the campaign at its first claim and complete it once nothing is open', async () => {
    const id = await campaignOf(2);
    assert.equal((await campaignRow(t.db, id)).status, 'PENDING');
    await move(id, 'PENDING', 'SENDING', 2);
    const started = await campaignRow(t.db, id);
    assert.equal(started.status, 'IN_PROGRESS');
    assert.ok(started.started_at);
    await move(id, 'SENDING', 'SENT');
    assert.equal((await campaignRow(t.db, id)).status, 'IN_PROGRESS');
    await move(id, 'SENDING', 'SENT');
    const done = await campaignRow(t.db, id);
    assert.equal(done.status, 'COMPLETED');
    assert.ok(done.completed_at);
    assert.deepEqual(done.started_at, started.started_at, 'started once');
  });

  it('complete with errors when any message FAILED or is UNKNOWN', async () => {
    for (const end of ['FAILED', 'UNKNOWN'] as const) {
      const id = await campaignOf(2);
      await move(id, 'PENDING', 'SENDING', 2);
      await move(id, 'SENDING', 'SENT');
      await move(id, 'SENDING', end);
      assert.equal((await campaignRow(t.db, id)).status, 'COMPLETED_WITH_ERRORS', end);
    }
  });

  it('move by any count, and not at all from a status to itself', async () => {
    const id = await campaignOf(5);
    await move(id, 'PENDING', 'SENDING', 3);
    await t.db
      .transaction()
      .execute((trx) => moveCampaignCounters(trx, id, 'SENDING', 'SENDING', 3));
    assert.deepEqual(await counters(t.db, id), {
      pending: 2,
      sending: 3,
      sent: 0,
      failed: 0,
      unknown: 0,
    });
  });

  it('can never stop adding up to the total: a move of more than there is fails whole', async () => {
    const id = await campaignOf(1);
    await assert.rejects(move(id, 'SENDING', 'SENT'), /check constraint/);
    assert.deepEqual(await counters(t.db, id), {
      pending: 1,
      sending: 0,
      sent: 0,
      failed: 0,
      unknown: 0,
    });
  });
});
