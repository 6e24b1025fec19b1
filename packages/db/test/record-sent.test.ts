import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { recordSentMany } from '../src/queries/record-sent.ts';
import { expireSenderLeases } from '../src/queries/recovery.ts';
import { recordSentThenClaim } from '../src/queries/sent-then-claim.ts';
import { createTestDatabase, setDelaySettings, type TestDatabase } from '../src/testing/index.ts';
import {
  claimMessage,
  counters,
  lapseLease,
  messageRow,
  senderRow,
  senderWithCampaign,
  takeLease,
  workerRow,
} from './support.ts';

let t: TestDatabase;
before(async () => {
  t = await createTestDatabase();
  await setDelaySettings(t.db, { messageDelay: 0, senderSwitchDelay: 0 });
});
after(() => t.drop());

describe('recording SENT answers of several senders at once', () => {
  it('writes what one recordOutcome each would, an UNKNOWN given up meanwhile included', async () => {
    const senders = [
      await senderWithCampaign(t.db, 2),
      await senderWithCampaign(t.db, 2),
      await senderWithCampaign(t.db, 2),
    ];
    const claims = [];
    for (const s of senders) {
      const lease = await takeLease(t.db, s.phone);
      claims.push({ lease, claimed: await claimMessage(t.db, lease) });
    }
    // The third one's lease lapsed mid-call and a sweep gave its message up as UNKNOWN.
    const late = senders[2];
    assert.ok(late);
    await lapseLease(t.db, late.phone);
    await t.db.transaction().execute((trx) => expireSenderLeases(trx, { limit: 100 }));

    const results = await recordSentMany(
      t.db,
      claims.map(({ lease, claimed }, i) => ({
        messageId: claimed.message.id,
        senderNumber: lease.senderNumber,
        workerId: claimed.target.workerId,
        owner: lease.owner,
        wahaMessageId: `waha-${i}`,
        jitterSeconds: 0.5,
        // As if the first one's claim had a sender-switch delay in force.
        pacesWorker: i === 0,
      })),
    );
    assert.deepEqual(results, [
      {
        previous: 'SENDING',
        status: 'SENT',
        leaseHeld: true,
        healthTrip: null,
        workerDegraded: false,
      },
      {
        previous: 'SENDING',
        status: 'SENT',
        leaseHeld: true,
        healthTrip: null,
        workerDegraded: false,
      },
      {
        previous: 'UNKNOWN',
        status: 'SENT',
        leaseHeld: false,
        healthTrip: null,
        workerDegraded: false,
      },
    ]);
    for (const [i, { claimed }] of claims.entries()) {
      const s = senders[i];
      assert.ok(s);
      const message = await messageRow(t.db, claimed.message.id);
      assert.deepEqual(
        [message.status, message.waha_message_id, message.error_code],
        ['SENT', `waha-${i}`, null],
      );
      assert.ok(message.sent_at && message.finished_at);
      assert.deepEqual(await counters(t.db, s.campaign.id), {
        pending: 1,
        sending: 0,
        sent: 1,
        failed: 0,
        unknown: 0,
      });
      const sender = await senderRow(t.db, s.phone);
      assert.ok(sender.last_sent_at);
      assert.equal(Number(sender.jitter_seconds), 0.5);
      const worker = await workerRow(t.db, claimed.target.workerId);
      assert.equal(worker.inflight_sender_number, null);
      // Without a sender-switch delay nothing reads the worker's pacing: its row is left alone.
      assert.equal(worker.last_sender_number, i === 0 ? s.phone : null);
      const handedOff = await t.db
        .selectFrom('sender_sends')
        .select('result')
        .where('message_id', '=', claimed.message.id)
        .execute();
      assert.deepEqual(handedOff, [{ result: 'OK' }]);
    }
    // Recorded twice (a retried batch whose first try committed): nothing moves again.
    const again = await recordSentMany(t.db, [
      {
        messageId: claims[0]?.claimed.message.id ?? 0,
        senderNumber: senders[0]?.phone ?? '',
        workerId: claims[0]?.claimed.target.workerId ?? 0,
        owner: claims[0]?.lease.owner ?? '',
        wahaMessageId: 'waha-0',
        jitterSeconds: 0.5,
        pacesWorker: true,
      },
    ]);
    assert.deepEqual(again, [
      { previous: null, status: null, leaseHeld: true, healthTrip: null, workerDegraded: false },
    ]);
  });

  it("records a send and claims the sender's next message in one transaction", async () => {
    const s = await senderWithCampaign(t.db, 2);
    const lapsed = await senderWithCampaign(t.db, 2);
    const leases = [await takeLease(t.db, s.phone), await takeLease(t.db, lapsed.phone)];
    const claims = await Promise.all(leases.map((lease) => claimMessage(t.db, lease)));
    await lapseLease(t.db, lapsed.phone);
    const answers = await t.db.transaction().execute((trx) =>
      recordSentThenClaim(
        trx,
        leases.map((lease, i) => {
          const claimed = claims[i];
          assert.ok(claimed);
          return {
            lease,
            record: {
              messageId: claimed.message.id,
              senderNumber: lease.senderNumber,
              workerId: claimed.target.workerId,
              owner: lease.owner,
              wahaMessageId: `chained-${i}`,
              jitterSeconds: 0,
              pacesWorker: false,
            },
          };
        }),
      ),
    );
    const [mine, gone] = answers;
    assert.ok(mine && gone);
    assert.equal(mine.recorded.status, 'SENT');
    assert.equal(mine.next.kind, 'claimed');
    assert.equal(mine.next.kind === 'claimed' && mine.next.message.id, s.campaign.messageIds[1]);
    assert.deepEqual(await counters(t.db, s.campaign.id), {
      pending: 0,
      sending: 1,
      sent: 1,
      failed: 0,
      unknown: 0,
    });
    // A lapsed lease: the answer is still the truth, but no next claim is made.
    assert.deepEqual([gone.recorded.status, gone.recorded.leaseHeld], ['SENT', false]);
    assert.deepEqual(gone.next, { kind: 'lost' });
  });
});
