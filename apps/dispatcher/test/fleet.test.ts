import assert from 'node:assert/strict';
import { createServer, type Server, Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, type TestDatabase, waitFor } from '@herald/testing';
import { sql } from 'kysely';
import { type Fleet, joinFleet } from '../src/fleet.ts';
import { testLogger } from './harness.ts';

const LEASE_SECONDS = 3;

/** A TCP relay to Postgres that the test can cut, as a network partition would. */
async function startRelay(target: URL): Promise<{ url: string; cut(): void; close(): void }> {
  const sockets = new Set<Socket>();
  let open = true;
  const server: Server = createServer((client) => {
    if (!open) return client.destroy();
    const upstream = new Socket();
    upstream.connect(Number(target.port || 5432), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => sockets.delete(s));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('relay has no port');
  const url = new URL(target);
  url.host = `127.0.0.1:${address.port}`;
  return {
    url: url.toString(),
    cut() {
      open = false;
      for (const s of sockets) s.destroy();
    },
    close() {
      server.close();
    },
  };
}

describe('a dispatcher whose heartbeat cannot reach the database', () => {
  let t: TestDatabase;
  before(async () => {
    t = await createTestDatabase();
  });
  after(() => t.drop());

  it('stops claiming and vouches for no lease once its leases may have lapsed', async () => {
    const relay = await startRelay(new URL(t.url));
    let fleet: Fleet | undefined;
    // A claim (which renews the lease it checks) just before the dispatcher's last heartbeat.
    const claimStarted = performance.now();
    try {
      fleet = await joinFleet({
        databaseUrl: relay.url,
        logger: testLogger,
        dispatcherId: 'partitioned',
        leaseSeconds: LEASE_SECONDS,
      });
      const joined = await t.db
        .selectFrom('dispatchers')
        .select('expires_at')
        .where('id', '=', 'partitioned')
        .executeTakeFirstOrThrow();
      assert.ok(joined.expires_at.getTime() > Date.now());
      assert.equal(fleet.healthy(), true);
      assert.ok(fleet.turnLimit() > 0);
      assert.equal(fleet.leaseStands('21620000001', claimStarted), true);
      const openCall = fleet.callSignal();
      assert.equal(openCall.aborted, false);

      relay.cut();
      const cutAt = performance.now();
      const current = fleet;
      await waitFor(() => !current.healthy(), {
        timeoutMs: LEASE_SECONDS * 1000 * 2,
        what: 'the heartbeat to be overdue',
      });
      // Never later than the lease minus the margin after the last beat, which was before the cut.
      assert.ok(performance.now() - cutAt < LEASE_SECONDS * 1000);
      assert.equal(fleet.turnLimit(), 0, 'no new turn is fetched');
      assert.equal(await fleet.awaitHealthy(), false, 'a turn finds it failing and ends');
      assert.equal(fleet.leaseStands('21620000001', claimStarted), false, 'no call starts');
      // Calls still open are cut short once a whole lease has passed since the last beat.
      await waitFor(() => openCall.aborted, {
        timeoutMs: LEASE_SECONDS * 1000 * 2,
        what: 'the cut',
      });
      assert.ok(performance.now() - cutAt < LEASE_SECONDS * 1000 + 500, 'no later than the lease');
      assert.equal(fleet.callSignal().aborted, true, 'and so is any call started now');
      // Meanwhile its row lapses in the database, as its leases do.
      await waitFor(
        async () =>
          (
            await sql<{ live: boolean }>`SELECT expires_at > now() AS live FROM dispatchers
                                         WHERE id = 'partitioned'`.execute(t.db)
          ).rows[0]?.live === false,
        { what: 'its row to lapse' },
      );
    } finally {
      await fleet?.stop();
      relay.close();
    }
  });
});
