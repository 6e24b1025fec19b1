import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { claimNextMessage } from '../src/queries/dispatch.ts';
import { acquireSenderLease } from '../src/queries/leases.ts';
import { recordOutcome } from '../src/queries/record-outcome.ts';
import {
  createTestDatabase,
  makeCampaign,
  makeConnectedSender,
  makeWorker,
  type TestDatabase,
} from '../src/testing/index.ts';

let t: TestDatabase;
before(async () => {
  t = await createTestDatabase();
});
after(() => t.drop());

test('a session-status refusal from the old worker leaves a session re-placed meanwhile alone', async () => {
  const sender = '21620333333';
  const { worker: oldWorker } = await makeConnectedSender(t.db, sender);
  await makeCampaign(t.db, { sender, recipients: ['21698000001'], body: 'Hi' });
  const lease = { senderNumber: sender, owner: 'turn-1', leaseSeconds: 30 };
  await t.db.transaction().execute((trx) => acquireSenderLease(trx, lease));
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
  await t.db.transaction().execute((trx) => acquireSenderLease(trx, lease));
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
  assert.deepEqual(session, { status: 'STOPPED', waha_status: 'STOPPED' });
});
