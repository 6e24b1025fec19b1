import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import {
  acquireSenderLeases,
  releaseSenderLeases,
  renewSenderLease,
} from '../src/queries/leases.ts';
import { expireSenderLeases } from '../src/queries/recovery.ts';
import { createTestDatabase, setDelaySettings, type TestDatabase } from '../src/testing/index.ts';
import {
  claimMessage,
  counters,
  lapseLease,
  messageRow,
  senderRow,
  takeLease,
  senderWithCampaign as withCampaign,
  workerRow,
} from './support.ts';

let t: TestDatabase;
before(async () => {
  t = await createTestDatabase();
  await setDelaySettings(t.db, { messageDelay: 0, senderSwitchDelay: 0 });
});
after(() => t.drop());

const senderWithCampaign = (recipients = 1) => withCampaign(t.db, recipients);
const acquire = (lease: { senderNumber: string; owner: string; leaseSeconds: number }) =>
  t.db
    .transaction()
    .execute((trx) => acquireSenderLeases(trx, [lease]))
    .then(([taken]) => taken ?? assert.fail('no answer for the lease'));
const sweep = () => t.db.transaction().execute((trx) => expireSenderLeases(trx, { limit: 100 }));

describe('a sender lease', () => {
  it('goes to one turn at a time, and to its owner again', async () => {
    const { phone } = await senderWithCampaign();
    const lease = { senderNumber: phone, owner: 'turn-a', leaseSeconds: 30 };
    assert.deepEqual(await acquire(lease), { acquired: true, lostMessages: 0 });
    assert.deepEqual(await acquire({ ...lease, owner: 'turn-b' }), {
      acquired: false,
      lostMessages: 0,
    });
    assert.equal((await acquire(lease)).acquired, true, 'the owner may take it again');
  });

  it('is taken for many turns at once, each answered in its place as if alone', async () => {
    const [free, held, lapsed] = [
      await senderWithCampaign(),
      await senderWithCampaign(),
      await senderWithCampaign(2),
    ];
    await takeLease(t.db, held.phone);
    const inFlight = await claimMessage(t.db, await takeLease(t.db, lapsed.phone));
    await lapseLease(t.db, lapsed.phone);
    const turn = (phone: string, owner: string) => ({
      senderNumber: phone,
      owner,
      leaseSeconds: 30,
    });
    const answers = await t.db
      .transaction()
      .execute((trx) =>
        acquireSenderLeases(trx, [
          turn(lapsed.phone, 'turn-x'),
          turn(free.phone, 'turn-y'),
          turn(held.phone, 'turn-z'),
          turn(free.phone, 'turn-w'),
        ]),
      );
    assert.deepEqual(answers[0], { acquired: true, lostMessages: 1 });
    assert.equal(answers[2]?.acquired, false, 'a held lease stays with its holder');
    // Two turns of one sender: exactly one takes it, and the sender's row names that one.
    const winners = [answers[1], answers[3]].filter((a) => a?.acquired);
    assert.equal(winners.length, 1);
    const owner = (await senderRow(t.db, free.phone)).lease_owner;
    assert.equal(owner, answers[1]?.acquired ? 'turn-y' : 'turn-w');
    assert.equal((await messageRow(t.db, inFlight.message.id)).status, 'UNKNOWN');
  });

  it('is taken over once it lapses, its message in flight becoming UNKNOWN', async () => {
    const { phone, worker, campaign } = await senderWithCampaign(2);
    const first = await takeLease(t.db, phone);
    const claimed = await claimMessage(t.db, first);
    await lapseLease(t.db, phone);
    const second = { senderNumber: phone, owner: 'turn-next', leaseSeconds: 30 };
    assert.deepEqual(await acquire(second), { acquired: true, lostMessages: 1 });
    const lost = await messageRow(t.db, claimed.message.id);
    assert.deepEqual([lost.status, lost.error_code], ['UNKNOWN', 'DISPATCHER_LOST']);
    assert.deepEqual(await counters(t.db, campaign.id), {
      pending: 1,
      sending: 0,
      sent: 0,
      failed: 0,
      unknown: 1,
    });
    assert.equal((await workerRow(t.db, worker.id)).inflight_sender_number, null);
  });

  it('is renewed only by its owner while it stands, with the worker in-flight marker', async () => {
    const { phone, worker } = await senderWithCampaign();
    // Under a sender-switch delay, so that the claim marks the worker busy.
    await t.db
      .updateTable('senders')
      .set({ sender_switch_delay: 1 })
      .where('phone_number', '=', phone)
      .execute();
    const lease = await takeLease(t.db, phone, 5);
    const claimed = await claimMessage(t.db, lease);
    const before = (await workerRow(t.db, worker.id)).inflight_until;
    const renew = (owner: string) =>
      t.db.transaction().execute((trx) =>
        renewSenderLease(trx, {
          ...lease,
          owner,
          leaseSeconds: 60,
          workerId: claimed.target.workerId,
        }),
      );
    assert.equal(await renew('turn-other'), false);
    assert.equal(await renew(lease.owner), true);
    const after = (await workerRow(t.db, worker.id)).inflight_until;
    assert.ok(before && after && after.getTime() - before.getTime() > 50_000);
    await lapseLease(t.db, phone);
    assert.equal(await renew(lease.owner), false, 'a lapsed lease cannot be renewed');
  });

  it('is released only by its owner, saying whether work remains and can be sent', async () => {
    const { phone, worker } = await senderWithCampaign(1);
    const lease = await takeLease(t.db, phone);
    const release = (owner: string) =>
      t.db
        .transaction()
        .execute(
          async (trx) => (await releaseSenderLeases(trx, [{ senderNumber: phone, owner }]))[0],
        );
    assert.deepEqual(await release('turn-other'), {
      released: false,
      pending: true,
      sendable: true,
    });
    await t.db.updateTable('workers').set({ healthy: false }).where('id', '=', worker.id).execute();
    assert.deepEqual(await release(lease.owner), {
      released: true,
      pending: true,
      sendable: false,
    });
    assert.equal((await senderRow(t.db, phone)).lease_owner, null);
  });

  it('is released for many turns at once, each answered in its place as if alone', async () => {
    const [done, busy, notMine] = [
      await senderWithCampaign(1),
      await senderWithCampaign(2),
      await senderWithCampaign(1),
    ];
    // Cancelled: no work left for that sender.
    await t.db
      .updateTable('campaigns')
      .set({ status: 'CANCELLED' })
      .where('id', '=', done.campaign.id)
      .execute();
    const leases = [
      await takeLease(t.db, done.phone),
      await takeLease(t.db, busy.phone),
      { ...(await takeLease(t.db, notMine.phone)), owner: 'turn-other' },
    ];
    const answers = await t.db
      .transaction()
      .execute((trx) => releaseSenderLeases(trx, [...leases].reverse()));
    assert.deepEqual(answers, [
      { released: false, pending: true, sendable: true },
      { released: true, pending: true, sendable: true },
      { released: true, pending: false, sendable: true },
    ]);
    assert.equal((await senderRow(t.db, notMine.phone)).lease_owner === null, false);
  });
});

describe('the lease sweep', () => {
  it('takes back lapsed leases and orphaned SENDING messages, and leaves live leases alone', async () => {
    const lapsed = await senderWithCampaign(2);
    const lapsedLease = await takeLease(t.db, lapsed.phone);
    const inFlight = await claimMessage(t.db, lapsedLease);
    await lapseLease(t.db, lapsed.phone);

    // A turn that failed between its claim and its outcome and gave its lease back.
    const orphan = await senderWithCampaign(1);
    const orphanLease = await takeLease(t.db, orphan.phone);
    const orphaned = await claimMessage(t.db, orphanLease);
    await sql`UPDATE senders SET lease_owner = NULL, lease_expires_at = NULL
              WHERE phone_number = ${orphan.phone}`.execute(t.db);

    const live = await senderWithCampaign(1);
    const liveLease = await takeLease(t.db, live.phone);
    const liveClaim = await claimMessage(t.db, liveLease);

    // Earlier tests of this file left a lapsed lease too: only these three are looked at.
    const ours = new Set([lapsed.phone, orphan.phone, live.phone]);
    const swept = await sweep();
    assert.deepEqual(
      swept.senders.filter((phone) => ours.has(phone)),
      [lapsed.phone, orphan.phone].sort(),
    );
    assert.deepEqual(
      swept.resumable.filter((phone) => ours.has(phone)),
      [lapsed.phone],
      'only the lapsed one has work left',
    );
    assert.equal((await messageRow(t.db, inFlight.message.id)).status, 'UNKNOWN');
    assert.equal((await messageRow(t.db, orphaned.message.id)).status, 'UNKNOWN');
    assert.equal((await messageRow(t.db, liveClaim.message.id)).status, 'SENDING');
    assert.equal((await senderRow(t.db, lapsed.phone)).lease_owner, null);
    assert.equal((await senderRow(t.db, live.phone)).lease_owner, liveLease.owner);
    assert.deepEqual(await sweep(), { senders: [], lostMessages: 0, resumable: [] }, 'done once');
  });

  it('gives a lapsed sender that cannot send no new turn: it resumes once it can', async () => {
    const { phone, worker } = await senderWithCampaign(1);
    await takeLease(t.db, phone);
    await t.db.updateTable('workers').set({ healthy: false }).where('id', '=', worker.id).execute();
    await lapseLease(t.db, phone);
    const swept = await sweep();
    assert.ok(swept.senders.includes(phone), 'its lease is taken back');
    assert.ok(!swept.resumable.includes(phone), 'but it is paused');
  });

  it('skips a sender another transaction holds, rather than waiting for it', async () => {
    const { phone } = await senderWithCampaign(1);
    await takeLease(t.db, phone);
    await lapseLease(t.db, phone);
    await t.db.transaction().execute(async (held) => {
      await sql`SELECT 1 FROM senders WHERE phone_number = ${phone} FOR UPDATE`.execute(held);
      assert.deepEqual((await sweep()).senders, []);
    });
    assert.deepEqual((await sweep()).senders, [phone]);
  });
});
