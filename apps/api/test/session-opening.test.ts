import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { waitFor } from '@herald/testing';
import type { RunningEmulator } from '@herald/waha-emulator';
import { sql } from 'kysely';
import { createSession, registerEmulator, startTestEmulator } from './support/fleet.ts';
import { startTestGateway, type TestGateway } from './support/gateway.ts';
import { call } from './support/http.ts';

let gw: TestGateway;
let worker: RunningEmulator;

before(async () => {
  // Long enough for the frozen calls to outlast the measurements below.
  gw = await startTestGateway({ WAHA_TIMEOUT_MS: '8000' });
  worker = await startTestEmulator();
});

after(async () => {
  await worker.close();
  await gw.close();
});

/** How long one unrelated read takes, in ms. */
async function timeRead(): Promise<number> {
  const started = performance.now();
  const res = await call('GET', `${gw.url}/api/campaigns?sender_number=21650100001`);
  assert.equal(res.status, 200);
  return performance.now() - started;
}

async function slowestOf(reads: number): Promise<number> {
  let slowest = 0;
  for (let i = 0; i < reads; i += 1) slowest = Math.max(slowest, await timeRead());
  return slowest;
}

/** Backends of the gateway's database waiting on a lock right now. */
async function lockWaits(): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM pg_stat_activity
     WHERE datname = current_database() AND wait_event_type = 'Lock'`.execute(gw.db);
  return rows[0]?.n ?? 0;
}

test('20 opens of one number against a frozen worker leave an unrelated read fast', async (t) => {
  await registerEmulator(gw, worker);
  await timeRead(); // warms the route and the pool
  const baseline = await slowestOf(10);

  worker.setFaults({ frozen: true });
  let settled = false;
  const opening = Promise.all(
    Array.from({ length: 20 }, () => createSession(gw, '21650100777')),
  ).finally(() => {
    settled = true;
  });
  // The session row is written just before WAHA is called: from then on one open waits on the
  // frozen worker and the others wait for it.
  await waitFor(
    async () => {
      const rows = await gw.db.selectFrom('sessions').select('status').execute();
      return rows.length === 1;
    },
    { what: 'an opening to be under way' },
  );
  const during = await slowestOf(10);
  const waitingOnLocks = await lockWaits();
  assert.equal(settled, false, 'the reads were measured while the opens were still waiting');
  t.diagnostic(`slowest read: ${baseline.toFixed(1)} ms before, ${during.toFixed(1)} ms during`);

  // Before the fix, 20 pooled connections waited on an advisory lock (or on WAHA), and the read
  // waited for the pool until the worker timed out (several seconds).
  assert.ok(
    during < baseline * 20 + 500,
    `an unrelated read took ${during.toFixed(0)} ms during the opens (baseline ${baseline.toFixed(0)} ms)`,
  );
  assert.equal(waitingOnLocks, 0, 'no connection waits on a lock while WAHA is slow');

  worker.setFaults({ frozen: false });
  const answers = await opening;
  for (const answer of answers) {
    assert.ok(
      [200, 201, 409, 503].includes(answer.status),
      `an open answered ${answer.status}: ${JSON.stringify(answer.body)}`,
    );
  }
  const rows = await gw.db.selectFrom('session_openings').select('owner').execute();
  assert.deepEqual(rows, [], 'every lease was released');
});
