import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { beatHeartbeat, readFleetFacts, removeDispatcher } from '../src/queries/dispatchers.ts';
import { acquireSenderLeases } from '../src/queries/leases.ts';
import { expireSenderLeases } from '../src/queries/recovery.ts';
import { createTestDatabase, setDelaySettings, type TestDatabase } from '../src/testing/index.ts';
import {
  claimMessage,
  lapseLease,
  messageRow,
  senderRow,
  senderWithCampaign,
  workerRow,
} from './support.ts';

let t: TestDatabase;
before(async () => {
  t = await createTestDatabase();
  await setDelaySettings(t.db, { messageDelay: 0, senderSwitchDelay: 0 });
});
after(() => t.drop());

/** A sender with work whose lease a turn of `dispatcherId` holds for `leaseSeconds`. */
async function heldBy(dispatcherId: string, turn: string, leaseSeconds = 5) {
  const { phone, worker } = await senderWithCampaign(t.db, 2);
  const lease = { senderNumber: phone, owner: `${dispatcherId}:${turn}`, leaseSeconds };
  const taken = await t.db
    .transaction()
    .execute((trx) => acquireSenderLeases(trx, [lease]))
    .then(([taken]) => taken ?? assert.fail('no answer for the lease'));
  assert.equal(taken.acquired, true);
  return { phone, worker, lease };
}

const leaseLeft = async (phone: string) => {
  const row = await senderRow(t.db, phone);
  assert.ok(row.lease_expires_at);
  return (row.lease_expires_at.getTime() - Date.now()) / 1000;
};

const beat = (dispatcherId: string, owners: string[] = []) =>
  beatHeartbeat(t.db, { dispatcherId, leaseSeconds: 60, owners });

describe('the dispatcher heartbeat', () => {
  it("renews in one statement every standing lease of its running turns, with the worker's in-flight marker", async () => {
    const mine = await heldBy('hb-1', 'a');
    // Under a sender-switch delay, so that the claim marks the worker busy.
    await t.db
      .updateTable('senders')
      .set({ sender_switch_delay: 1 })
      .where('phone_number', '=', mine.phone)
      .execute();
    const claimed = await claimMessage(t.db, mine.lease);
    const alsoMine = await heldBy('hb-1', 'b');
    const others = await heldBy('hb-2', 'a');
    // A turn of this dispatcher that ended without handing its sender back: not renewed.
    const ended = await heldBy('hb-1', 'ended');
    const lapsed = await heldBy('hb-1', 'c');
    await lapseLease(t.db, lapsed.phone);

    const result = await beat(
      'hb-1',
      [mine, alsoMine, lapsed].map((held) => held.lease.owner),
    );
    assert.deepEqual(result.renewed.sort(), [mine.phone, alsoMine.phone].sort());
    assert.ok((await leaseLeft(mine.phone)) > 50);
    assert.ok((await leaseLeft(alsoMine.phone)) > 50);
    assert.ok((await leaseLeft(others.phone)) < 6, 'another dispatcher keeps its own lease');
    assert.ok((await leaseLeft(ended.phone)) < 6, 'a turn that ended lets its lease lapse');
    assert.ok((await leaseLeft(lapsed.phone)) < 0, 'a lapsed lease is never brought back');
    const inflight = (await workerRow(t.db, claimed.target.workerId)).inflight_until;
    assert.ok(inflight && inflight.getTime() - Date.now() > 50_000);
  });

  it('once it stops, the leases lapse and the sweep turns the message in flight UNKNOWN', async () => {
    const held = await heldBy('hb-dead', 'a', 60);
    const claimed = await claimMessage(t.db, held.lease);
    await beat('hb-dead', [held.lease.owner]);
    // Its last renewal runs out (as it would LEASE_SECONDS after the last beat).
    await lapseLease(t.db, held.phone);
    const swept = await t.db
      .transaction()
      .execute((trx) => expireSenderLeases(trx, { limit: 100 }));
    assert.ok(swept.senders.includes(held.phone));
    const lost = await messageRow(t.db, claimed.message.id);
    assert.deepEqual([lost.status, lost.error_code], ['UNKNOWN', 'DISPATCHER_LOST']);
    assert.equal((await senderRow(t.db, held.phone)).lease_owner, null);
    // A heartbeat that comes back late renews nothing: the sender is no longer its own.
    assert.deepEqual((await beat('hb-dead', [held.lease.owner])).renewed, []);
  });

  it('never waits for a sender a claim holds locked: it skips it, and the claim renews it', async () => {
    const busy = await heldBy('hb-skip', 'a');
    const free = await heldBy('hb-skip', 'b');
    const owners = [busy.lease.owner, free.lease.owner];
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let locked = () => {};
    const isLocked = new Promise<void>((resolve) => {
      locked = resolve;
    });
    const claim = t.db.transaction().execute(async (trx) => {
      await sql`SELECT 1 FROM senders WHERE phone_number = ${busy.phone} FOR UPDATE`.execute(trx);
      locked();
      await released;
    });
    await isLocked;
    const started = Date.now();
    const result = await beat('hb-skip', owners);
    assert.ok(Date.now() - started < 2000, 'the beat did not wait for the lock');
    assert.deepEqual(result.renewed, [free.phone]);
    assert.ok((await leaseLeft(free.phone)) > 50);
    release();
    await claim;
    assert.deepEqual(
      (await beat('hb-skip', owners)).renewed.sort(),
      [busy.phone, free.phone].sort(),
    );
  });

  it('counts the live dispatchers and the senders with work, and deletes the rows of dead ones', async () => {
    await sql`DELETE FROM dispatchers`.execute(t.db);
    await beat('fleet-a');
    await beat('fleet-b');
    await beat('fleet-dead');
    await sql`UPDATE dispatchers SET expires_at = now() - interval '1 second'
              WHERE id = 'fleet-dead'`.execute(t.db);
    const withWork = Number(
      (
        await sql<{ n: string }>`SELECT count(DISTINCT sender_number) AS n FROM campaigns
                                 WHERE pending_messages > 0`.execute(t.db)
      ).rows[0]?.n,
    );
    const result = await beat('fleet-a');
    assert.equal(result.liveDispatchers, 2);
    assert.equal(result.activeSenders, withWork);
    const ids = await t.db.selectFrom('dispatchers').select('id').orderBy('id').execute();
    assert.deepEqual(
      ids.map((r) => r.id),
      ['fleet-a', 'fleet-b'],
    );
    await removeDispatcher(t.db, 'fleet-b');
    assert.deepEqual(await readFleetFacts(t.db, 'fleet-a'), {
      liveDispatchers: 1,
      activeSenders: withWork,
    });
  });
});
