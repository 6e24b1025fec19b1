import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { claimNextMessage } from '../src/queries/dispatch.ts';
import { acquireSenderLeases } from '../src/queries/leases.ts';
import { recordOutcome } from '../src/queries/record-outcome.ts';
import { expireSenderLeases } from '../src/queries/recovery.ts';
import {
  createTestDatabase,
  makeCampaign,
  makeConnectedSender,
  makeWorker,
  setDelaySettings,
  type TestDatabase,
} from '../src/testing/index.ts';
import {
  campaignRow,
  claim,
  claimMessage,
  counters,
  lapseLease,
  messageRow,
  record,
  senderRow,
  senderWithCampaign,
  takeLease,
  workerRow,
} from './support.ts';

const UNTRIPPED = { healthTrip: null, workerDegraded: false } as const;
let t: TestDatabase;
before(async () => {
  t = await createTestDatabase();
  await setDelaySettings(t.db, { messageDelay: 0, senderSwitchDelay: 0 });
});
after(() => t.drop());

test('a session-status refusal from the old worker leaves a session re-placed meanwhile alone', async () => {
  const sender = '21620333333';
  const { worker: oldWorker } = await makeConnectedSender(t.db, sender);
  await makeCampaign(t.db, { sender, recipients: ['21698000001'], body: 'Hi' });
  const lease = { senderNumber: sender, owner: 'turn-1', leaseSeconds: 30 };
  await t.db
    .transaction()
    .execute((trx) => acquireSenderLeases(trx, [lease]))
    .then(([taken]) => taken ?? assert.fail('no answer for the lease'));
  const claim = await t.db.transaction().execute((trx) => claimNextMessage(trx, lease));
  assert.equal(claim.kind, 'claimed');
  if (claim.kind !== 'claimed') return;

  // While the send is under way, the number gets a new, connected session on another worker.
  const newWorker = await makeWorker(t.db, { tier: 'PLUS' });
  await t.db
    .updateTable('sessions')
    .set({ worker_id: newWorker.id, status: 'CONNECTED', waha_status: 'WORKING' })
    .where('phone_number', '=', sender)
    .execute();

  // The old worker answers the send with "session not WORKING": that is about its own session.
  await t.db.transaction().execute((trx) =>
    recordOutcome(trx, {
      messageId: claim.message.id,
      senderNumber: sender,
      workerId: oldWorker.id,
      owner: lease.owner,
      outcome: {
        kind: 'PAUSE_SESSION',
        code: 'SESSION_STATUS',
        error: 'Session status is not as expected',
        wahaStatus: 'STOPPED',
      },
    }),
  );
  const session = await t.db
    .selectFrom('sessions')
    .select(['status', 'waha_status', 'worker_id'])
    .where('phone_number', '=', sender)
    .executeTakeFirstOrThrow();
  assert.deepEqual(session, {
    status: 'CONNECTED',
    waha_status: 'WORKING',
    worker_id: newWorker.id,
  });
  const message = await t.db
    .selectFrom('messages')
    .select(['status', 'attempts'])
    .where('id', '=', claim.message.id)
    .executeTakeFirstOrThrow();
  assert.deepEqual(message, { status: 'PENDING', attempts: 0 }, 'the message waits, uncounted');
});

test('a session-status refusal pauses the session on the worker that gave it', async () => {
  const sender = '21620444444';
  const { worker } = await makeConnectedSender(t.db, sender);
  await makeCampaign(t.db, { sender, recipients: ['21698000002'], body: 'Hi' });
  const lease = { senderNumber: sender, owner: 'turn-2', leaseSeconds: 30 };
  await t.db
    .transaction()
    .execute((trx) => acquireSenderLeases(trx, [lease]))
    .then(([taken]) => taken ?? assert.fail('no answer for the lease'));
  const claim = await t.db.transaction().execute((trx) => claimNextMessage(trx, lease));
  assert.equal(claim.kind, 'claimed');
  if (claim.kind !== 'claimed') return;
  await t.db.transaction().execute((trx) =>
    recordOutcome(trx, {
      messageId: claim.message.id,
      senderNumber: sender,
      workerId: worker.id,
      owner: lease.owner,
      outcome: {
        kind: 'PAUSE_SESSION',
        code: 'SESSION_STATUS',
        error: 'Session status is not as expected',
        wahaStatus: 'STOPPED',
      },
    }),
  );
  const session = await t.db
    .selectFrom('sessions')
    .select(['status', 'waha_status'])
    .where('phone_number', '=', sender)
    .executeTakeFirstOrThrow();
  // Paired, and held STOPPED by its worker (a restart): DISCONNECTED, to be started again.
  assert.deepEqual(session, { status: 'DISCONNECTED', waha_status: 'STOPPED' });
});

async function claimedMessage(recipients = 1) {
  const sender = await senderWithCampaign(t.db, recipients);
  const lease = await takeLease(t.db, sender.phone);
  return { ...sender, lease, claimed: await claimMessage(t.db, lease) };
}

test('a SENT outcome settles the message, its counters, the sender and the worker in one go', async () => {
  const { phone, worker, campaign, lease, claimed } = await claimedMessage(1);
  const result = await record(t.db, lease, claimed, {
    kind: 'SENT',
    wahaMessageId: 'true_x@c.us_A',
  });
  assert.deepEqual(result, {
    previous: 'SENDING',
    status: 'SENT',
    leaseHeld: true,
    ...UNTRIPPED,
  });
  const message = await messageRow(t.db, claimed.message.id);
  assert.equal(message.status, 'SENT');
  assert.equal(message.waha_message_id, 'true_x@c.us_A');
  assert.ok(message.sent_at && message.finished_at);
  const done = await campaignRow(t.db, campaign.id);
  assert.equal(done.status, 'COMPLETED');
  assert.ok(done.completed_at);
  assert.deepEqual(await counters(t.db, campaign.id), {
    pending: 0,
    sending: 0,
    sent: 1,
    failed: 0,
    unknown: 0,
  });
  const sender = await senderRow(t.db, phone);
  assert.ok(sender.last_sent_at);
  assert.deepEqual(sender.next_send_at, sender.last_sent_at, 'no retry floor after a send');
  const w = await workerRow(t.db, worker.id);
  assert.deepEqual(
    [w.last_sender_number, w.inflight_sender_number, w.inflight_until],
    [phone, null, null],
  );
  assert.deepEqual(w.last_send_done_at, sender.last_sent_at);
  const session = await t.db
    .selectFrom('sessions')
    .select('device_active_at')
    .where('phone_number', '=', phone)
    .executeTakeFirstOrThrow();
  assert.deepEqual(session.device_active_at, sender.last_sent_at, 'a send is device activity');
});

test('a RETRY puts the message back with its attempt counted, waiting out the backoff itself', async () => {
  const { phone, campaign, lease, claimed } = await claimedMessage(1);
  await record(t.db, lease, claimed, {
    kind: 'RETRY',
    code: 'SERVER_ERROR',
    error: '500',
    backoffSeconds: 60,
  });
  const message = await messageRow(t.db, claimed.message.id);
  assert.deepEqual(
    [message.status, message.attempts, message.error_code, message.sending_at],
    ['PENDING', 1, 'SERVER_ERROR', null],
  );
  assert.equal((await campaignRow(t.db, campaign.id)).status, 'IN_PROGRESS');
  const sender = await senderRow(t.db, phone);
  assert.equal(
    ((message.retry_at?.getTime() ?? 0) - (sender.last_sent_at?.getTime() ?? 0)) / 1000,
    60,
  );
  assert.deepEqual(sender.next_send_at, sender.last_sent_at, 'the sender itself has no floor');
  const waiting = await claim(t.db, lease);
  assert.equal(waiting.kind === 'wait' && waiting.reason, 'RETRY_BACKOFF');
  // Rounded up to the millisecond, so a JavaScript Date never reads it early.
  const early =
    waiting.kind === 'wait' ? waiting.until.getTime() - (message.retry_at?.getTime() ?? 0) : -1;
  assert.ok(early >= 0 && early <= 1, 'waits until the message is due');
});

test("a message in backoff does not hold back its sender's other messages", async () => {
  const { lease, claimed } = await claimedMessage(2);
  await record(t.db, lease, claimed, {
    kind: 'RETRY',
    code: 'SERVER_ERROR',
    error: '500',
    backoffSeconds: 60,
  });
  const second = await claimMessage(t.db, lease);
  assert.notEqual(second.message.id, claimed.message.id);
  await record(t.db, lease, second, { kind: 'SENT', wahaMessageId: 'true_y@c.us_B' });
  const waiting = await claim(t.db, lease);
  assert.equal(waiting.kind === 'wait' && waiting.reason, 'RETRY_BACKOFF');
  // Once its backoff is over, the retried message goes again.
  await t.db
    .updateTable('messages')
    .set({ retry_at: new Date(Date.now() - 1000) })
    .where('id', '=', claimed.message.id)
    .execute();
  const again = await claimMessage(t.db, lease);
  assert.equal(again.message.id, claimed.message.id);
  assert.equal(again.message.attempts, 2);
});

test('FAILED and UNKNOWN end the campaign with errors', async () => {
  const { campaign, lease, claimed } = await claimedMessage(2);
  await record(t.db, lease, claimed, { kind: 'FAILED', code: 'PLUS_ONLY', error: 'Plus only' });
  const second = await claimMessage(t.db, lease);
  await record(t.db, lease, second, { kind: 'UNKNOWN', code: 'TIMEOUT', error: 'timed out' });
  const done = await campaignRow(t.db, campaign.id);
  assert.equal(done.status, 'COMPLETED_WITH_ERRORS');
  assert.deepEqual(await counters(t.db, campaign.id), {
    pending: 0,
    sending: 0,
    sent: 0,
    failed: 1,
    unknown: 1,
  });
  assert.equal((await messageRow(t.db, second.message.id)).error_code, 'TIMEOUT');
});

test('a worker that cannot serve pauses the sender: the attempt is not counted and the worker is unhealthy', async () => {
  const { worker, lease, claimed } = await claimedMessage(1);
  await record(t.db, lease, claimed, {
    kind: 'PAUSE_WORKER',
    code: 'CONNECTION_REFUSED',
    error: 'connection refused',
  });
  const message = await messageRow(t.db, claimed.message.id);
  assert.deepEqual([message.status, message.attempts], ['PENDING', 0]);
  const w = await workerRow(t.db, worker.id);
  assert.equal(w.healthy, false);
  assert.equal(w.last_error, 'connection refused');
  const { due } = (
    await sql<{
      due: boolean;
    }>`SELECT next_probe_at <= now() AS due FROM workers WHERE id = ${worker.id}`.execute(t.db)
  ).rows[0] ?? { due: false };
  assert.equal(due, true, 'the prober looks at it at once');
  const paused = await claim(t.db, lease);
  assert.equal(paused.kind === 'paused' && paused.reason, 'WORKER_UNHEALTHY');
});

test('a definitive answer corrects the UNKNOWN a sweep recorded when the lease lapsed mid-call', async () => {
  const { phone, campaign, lease, claimed } = await claimedMessage(1);
  await lapseLease(t.db, phone);
  const swept = await t.db.transaction().execute((trx) => expireSenderLeases(trx, { limit: 100 }));
  assert.ok(swept.senders.includes(phone));
  assert.equal((await messageRow(t.db, claimed.message.id)).status, 'UNKNOWN');
  const result = await record(t.db, lease, claimed, {
    kind: 'SENT',
    wahaMessageId: 'true_y@c.us_B',
  });
  assert.deepEqual(result, {
    previous: 'UNKNOWN',
    status: 'SENT',
    leaseHeld: false,
    ...UNTRIPPED,
  });
  assert.deepEqual(await counters(t.db, campaign.id), {
    pending: 0,
    sending: 0,
    sent: 1,
    failed: 0,
    unknown: 0,
  });
  assert.equal((await campaignRow(t.db, campaign.id)).status, 'COMPLETED');
});

test('an outcome that is not definitive leaves an UNKNOWN as it is', async () => {
  const { phone, campaign, lease, claimed } = await claimedMessage(1);
  await lapseLease(t.db, phone);
  await t.db.transaction().execute((trx) => expireSenderLeases(trx, { limit: 100 }));
  const result = await record(t.db, lease, claimed, {
    kind: 'RETRY',
    code: 'SERVER_ERROR',
    error: '500',
    backoffSeconds: 1,
  });
  assert.deepEqual(result, { previous: null, status: null, leaseHeld: false, ...UNTRIPPED });
  assert.equal((await messageRow(t.db, claimed.message.id)).status, 'UNKNOWN');
  assert.equal((await counters(t.db, campaign.id)).unknown, 1);
});
