import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import {
  cancelPendingMessages,
  hasDueCampaigns,
  lockCampaignForControl,
  requeueFailedMessages,
  setCampaignStatus,
  startDueCampaigns,
} from '../src/queries/campaign-controls.ts';
import { claimNextMessage } from '../src/queries/dispatch.ts';
import { releaseSenderLeases } from '../src/queries/leases.ts';
import { findOverdueSenders } from '../src/queries/recovery.ts';
import {
  createTestDatabase,
  makeCampaign,
  setDelaySettings,
  type TestDatabase,
} from '../src/testing/index.ts';
import {
  campaignRow,
  claim,
  claimMessage,
  messageRow,
  record,
  senderWithCampaign,
  takeLease,
} from './support.ts';

let t: TestDatabase;
before(async () => {
  t = await createTestDatabase();
  await setDelaySettings(t.db, { messageDelay: 0, senderSwitchDelay: 0 });
});
after(() => t.drop());

/** Applies a status as the gateway's control does: under the sender's and the campaign's locks. */
const setStatus = (id: number, status: 'PAUSED' | 'IN_PROGRESS' | 'SCHEDULED') =>
  t.db.transaction().execute(async (trx) => {
    await lockCampaignForControl(trx, id, undefined);
    await setCampaignStatus(trx, id, status);
  });

const cancel = (id: number) =>
  t.db.transaction().execute(async (trx) => {
    await lockCampaignForControl(trx, id, undefined);
    await setCampaignStatus(trx, id, 'CANCELLED');
    await cancelPendingMessages(trx, id);
  });

async function expectCountersMatchRows(id: number) {
  const c = await campaignRow(t.db, id);
  const counted = await t.db
    .selectFrom('messages')
    .select(['status', (eb) => eb.fn.countAll<string>().as('n')])
    .where('campaign_id', '=', id)
    .groupBy('status')
    .execute();
  const rows = Object.fromEntries(counted.map((r) => [r.status, Number(r.n)]));
  const counters = {
    PENDING: c.pending_messages,
    SENDING: c.sending_messages,
    SENT: c.sent_messages,
    FAILED: c.failed_messages,
    UNKNOWN: c.unknown_messages,
    CANCELLED: c.cancelled_messages,
  };
  assert.deepEqual(Object.fromEntries(Object.entries(counters).filter(([, n]) => n > 0)), rows);
}

describe('claims and campaign controls', () => {
  it("skips a paused campaign's messages and takes the sender's next campaign", async () => {
    const { phone, campaign } = await senderWithCampaign(t.db, 2);
    const next = await makeCampaign(t.db, {
      sender: phone,
      recipients: ['21698100001'],
      body: 'x',
    });
    await setStatus(campaign.id, 'PAUSED');
    const lease = await takeLease(t.db, phone);
    const claimed = await claimMessage(t.db, lease);
    assert.equal(claimed.message.id, next.messageIds[0]);
    await record(t.db, lease, claimed, { kind: 'SENT', wahaMessageId: 'w1' });
    assert.equal((await claim(t.db, lease)).kind, 'empty');
    // Paused work is no work: no continuation, no overdue turn (else a turn would loop on it).
    const released = await t.db.transaction().execute((trx) => releaseSenderLeases(trx, [lease]));
    assert.deepEqual(released, [{ released: true, pending: false, sendable: true }]);
    const overdue = await findOverdueSenders(t.db, { graceSeconds: 0, limit: 1000 });
    assert.ok(!overdue.includes(phone));

    await setStatus(campaign.id, 'IN_PROGRESS');
    const again = await takeLease(t.db, phone);
    assert.equal((await claimMessage(t.db, again)).message.id, campaign.messageIds[0]);
  });

  it('a pause waits for a claim under way, and every later claim sees it', async () => {
    const { phone, campaign } = await senderWithCampaign(t.db, 3);
    const lease = await takeLease(t.db, phone);
    let releaseClaim: () => void = () => {};
    const claimHeld = new Promise<void>((resolve) => {
      releaseClaim = resolve;
    });
    let claimDone = false;
    let claimStarted: () => void = () => {};
    const started = new Promise<void>((resolve) => {
      claimStarted = resolve;
    });
    const claiming = t.db.transaction().execute(async (trx) => {
      const result = await claimNextMessage(trx, lease);
      claimStarted();
      await claimHeld;
      claimDone = true;
      return result;
    });
    await started;
    const pausing = setStatus(campaign.id, 'PAUSED').then(() => claimDone);
    // The pause is blocked on the sender row the claim holds: give it a real chance to finish.
    const blocked = await Promise.race([
      pausing.then(() => false),
      t.db
        .selectNoFrom(sql<number>`pg_sleep(0.3)`.as('slept'))
        .execute()
        .then(() => true),
    ]);
    assert.equal(blocked, true, 'the pause waited for the claim');
    releaseClaim();
    assert.equal((await claiming).kind, 'claimed');
    assert.equal(await pausing, true, 'the pause committed after the claim');
    assert.equal((await claim(t.db, lease)).kind, 'empty');
    assert.equal((await campaignRow(t.db, campaign.id)).sending_messages, 1);
  });

  it("cancels a message whose in-flight call asks for a retry after its campaign's cancel", async () => {
    const { phone, campaign } = await senderWithCampaign(t.db, 3);
    const lease = await takeLease(t.db, phone);
    const first = await claimMessage(t.db, lease);
    await cancel(campaign.id);
    await record(t.db, lease, first, {
      kind: 'RETRY',
      code: 'TIMEOUT',
      error: 't',
      backoffSeconds: 0,
    });
    assert.equal((await messageRow(t.db, first.message.id)).status, 'CANCELLED');
    const row = await campaignRow(t.db, campaign.id);
    assert.equal(row.status, 'CANCELLED');
    assert.equal(row.cancelled_messages, 3);
    assert.ok(row.completed_at);
    await expectCountersMatchRows(campaign.id);
  });

  it('keeps a cancelled campaign CANCELLED when its message in flight is sent', async () => {
    const { phone, campaign } = await senderWithCampaign(t.db, 2);
    const lease = await takeLease(t.db, phone);
    const first = await claimMessage(t.db, lease);
    await cancel(campaign.id);
    assert.equal((await campaignRow(t.db, campaign.id)).completed_at, null, 'one still in flight');
    await record(t.db, lease, first, { kind: 'SENT', wahaMessageId: 'w2' });
    const row = await campaignRow(t.db, campaign.id);
    assert.deepEqual([row.status, row.sent_messages, row.cancelled_messages], ['CANCELLED', 1, 1]);
    assert.ok(row.completed_at);
    await expectCountersMatchRows(campaign.id);
  });

  it('counts attempts of a retried message from the retry, and keeps the total', async () => {
    const { phone, campaign } = await senderWithCampaign(t.db, 1);
    const lease = await takeLease(t.db, phone);
    const first = await claimMessage(t.db, lease);
    await record(t.db, lease, first, { kind: 'FAILED', code: 'SERVER_ERROR', error: 'e' });
    assert.equal((await campaignRow(t.db, campaign.id)).status, 'COMPLETED_WITH_ERRORS');
    const requeued = await t.db.transaction().execute(async (trx) => {
      await lockCampaignForControl(trx, campaign.id, undefined);
      const result = await requeueFailedMessages(trx, campaign.id, { includeUnknown: false });
      await setCampaignStatus(trx, campaign.id, 'IN_PROGRESS');
      return result;
    });
    assert.deepEqual(requeued, {
      requeued: { SERVER_ERROR: 1 },
      skipped: {},
      total: 1,
      unknown: 0,
    });
    const again = await claimMessage(t.db, lease);
    assert.equal(again.message.attempts, 1, 'MAX_ATTEMPTS counts from the retry');
    assert.equal((await messageRow(t.db, again.message.id)).attempts, 2);
    await expectCountersMatchRows(campaign.id);
  });

  it('starts scheduled campaigns whose send_at has come, and only those', async () => {
    const { phone, campaign } = await senderWithCampaign(t.db, 1);
    const { campaign: later } = await senderWithCampaign(t.db, 1);
    await sql`UPDATE campaigns SET status = 'SCHEDULED', send_at = now() - interval '1 second'
              WHERE id = ${campaign.id}`.execute(t.db);
    await sql`UPDATE campaigns SET status = 'SCHEDULED', send_at = now() + interval '1 hour'
              WHERE id = ${later.id}`.execute(t.db);
    const lease = await takeLease(t.db, phone);
    assert.equal((await claim(t.db, lease)).kind, 'empty', 'nothing of it is claimed before');
    assert.equal(await hasDueCampaigns(t.db), true);
    const started = await t.db
      .transaction()
      .execute((trx) => startDueCampaigns(trx, { limit: 10 }));
    assert.deepEqual(started, [phone]);
    assert.equal(await hasDueCampaigns(t.db), false, 'the one an hour ahead is not due');
    assert.equal((await campaignRow(t.db, campaign.id)).status, 'PENDING');
    assert.equal((await campaignRow(t.db, later.id)).status, 'SCHEDULED');
    assert.equal((await claimMessage(t.db, lease)).message.id, campaign.messageIds[0]);
  });
});
