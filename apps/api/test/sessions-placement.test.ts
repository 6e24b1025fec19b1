import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import { waitFor } from '@herald/testing';
import type { RunningEmulator } from '@herald/waha-emulator';
import { sql } from 'kysely';
import {
  createSession,
  registerEmulator,
  scanWhenReady,
  startTestEmulator,
  TEST_HMAC_KEY,
  waitForQr,
  waitForStoredStatus,
} from './support/fleet.ts';
import { startTestGateway, type TestGateway } from './support/gateway.ts';
import { call } from './support/http.ts';

let gw: TestGateway;
const emulators: RunningEmulator[] = [];

async function emulator(options: Parameters<typeof startTestEmulator>[0] = {}) {
  const started = await startTestEmulator(options);
  emulators.push(started);
  return started;
}

async function workers() {
  const res = await call('GET', `${gw.url}/api/admin/workers`, { headers: gw.adminHeaders });
  return res.body as { id: number; url: string; sessions: number; healthy: boolean }[];
}

const number = (i: number) => String(21650200000 + i);

/** Backends of the test database waiting for a lock (a table's or an advisory one). */
async function lockWaits(): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM pg_stat_activity
     WHERE datname = current_database() AND wait_event_type = 'Lock'`.execute(gw.db);
  return rows[0]?.n ?? 0;
}

/** Requests about `phone` the gateway admitted (its per-sender rate counter). */
async function admitted(phone: string): Promise<number> {
  const row = await gw.db
    .selectFrom('rate_limits')
    .select('hits')
    .where('key', '=', `sender:${phone}`)
    .executeTakeFirst();
  return row?.hits ?? 0;
}

before(async () => {
  gw = await startTestGateway({
    WEBHOOK_HMAC_KEY: TEST_HMAC_KEY,
    MAX_LIVE_SESSIONS: '8',
    // Counted per number: shows when both requests of one number have been admitted.
    SENDER_RATE_LIMIT_PER_MINUTE: '100000',
  });
});

afterEach(async () => {
  await call('DELETE', `${gw.url}/api/admin/workers/cleanup`, { headers: gw.adminHeaders });
  await Promise.all(emulators.splice(0).map((e) => e.close()));
});

after(() => gw.close());

test('30 concurrent creations never exceed any worker’s effective capacity', async () => {
  const small = await registerEmulator(gw, await emulator(), { capacity: 3 });
  const medium = await registerEmulator(gw, await emulator(), { capacity: 5 });
  const large = await registerEmulator(gw, await emulator(), { capacity: 12 });
  assert.deepEqual(
    [small.effective_capacity, medium.effective_capacity, large.effective_capacity],
    [3, 5, 8],
    'MAX_LIVE_SESSIONS=8 caps the large one',
  );
  const answers = await Promise.all(
    Array.from({ length: 30 }, (_, i) => createSession(gw, number(i))),
  );
  const statuses = answers.map((a) => a.status);
  assert.equal(statuses.filter((s) => s === 201).length, 16);
  assert.equal(statuses.filter((s) => s === 503).length, 14);
  for (const refused of answers.filter((a) => a.status === 503)) {
    assert.equal(refused.body.error.code, 'NO_CAPACITY');
  }
  const load = new Map((await workers()).map((w) => [w.id, w.sessions]));
  assert.deepEqual([load.get(small.id), load.get(medium.id), load.get(large.id)], [3, 5, 8]);
  // WAHA agrees: each worker runs exactly the sessions Herald placed on it.
  assert.deepEqual(
    emulators.map((e) => e.sessions().length),
    [3, 5, 8],
  );
});

test('two concurrent creations of one number end with one session on one worker', async () => {
  const first = await emulator();
  const second = await emulator();
  await registerEmulator(gw, first);
  await registerEmulator(gw, second);
  const phone = number(50);
  const { creating } = await gw.db.transaction().execute(async (trx) => {
    // Holds back the first write of a session row until both requests are under way, so that
    // neither can simply find the other's session.
    await sql`LOCK TABLE sessions IN EXCLUSIVE MODE`.execute(trx);
    const both = Promise.all([createSession(gw, phone), createSession(gw, phone)]);
    // One holds the opening lease and waits on the table; the other polls for the lease.
    await waitFor(async () => (await lockWaits()) === 1 && (await admitted(phone)) === 2, {
      what: 'both requests to be under way',
    });
    return { creating: both };
  });
  const answers = await creating;
  // The second waits for the first and finds its session rather than placing it again.
  assert.deepEqual(answers.map((a) => a.status).sort(), [200, 201]);
  const [one, two] = answers.map((a) => a.body);
  assert.equal(one.worker.id, two.worker.id);
  const rows = await gw.db
    .selectFrom('sessions')
    .select('worker_id')
    .where('phone_number', '=', phone)
    .execute();
  assert.deepEqual(rows, [{ worker_id: one.worker.id }]);
  assert.equal(first.sessions().length + second.sessions().length, 1);
});

test('places each new session on the least-loaded worker', async () => {
  const a = await registerEmulator(gw, await emulator(), { capacity: 2 });
  const b = await registerEmulator(gw, await emulator(), { capacity: 4 });
  const placed: number[] = [];
  for (let i = 0; i < 6; i += 1) {
    const res = await createSession(gw, number(100 + i));
    assert.equal(res.status, 201);
    placed.push(res.body.worker.id);
  }
  // Lowest sessions/capacity first; ties go to the worker with more free slots.
  assert.deepEqual(placed, [b.id, a.id, b.id, b.id, a.id, b.id]);
  const full = await createSession(gw, number(106));
  assert.equal(full.status, 503);
  assert.equal(full.body.error.code, 'NO_CAPACITY');
});

test('the guide’s setup: one live session per worker puts two numbers on two workers', async () => {
  const local = await startTestGateway({ WEBHOOK_HMAC_KEY: TEST_HMAC_KEY, MAX_LIVE_SESSIONS: '1' });
  try {
    const first = await registerEmulator(local, await emulator(), { capacity: 1 });
    const second = await registerEmulator(local, await emulator(), { capacity: 1 });
    const one = await createSession(local, number(200));
    const two = await createSession(local, number(201));
    assert.deepEqual([one.body.worker.id, two.body.worker.id].sort(), [first.id, second.id].sort());
    assert.equal((await createSession(local, number(202))).status, 503);
  } finally {
    await local.close();
  }
});

test('a disabled worker takes no new sessions', async () => {
  const w = await registerEmulator(gw, await emulator(), { enabled: false });
  assert.equal(w.enabled, false);
  const res = await createSession(gw, number(300));
  assert.equal(res.status, 503);
  assert.equal(res.body.error.code, 'NO_CAPACITY');
});

test('a worker that refuses connections is skipped and marked unhealthy', async () => {
  const down = await emulator();
  const up = await emulator();
  // Registered while answering, so both are healthy; then one goes away unnoticed.
  const downWorker = await registerEmulator(gw, down, { capacity: 10 });
  const upWorker = await registerEmulator(gw, up, { capacity: 2 });
  await down.goOffline();
  const res = await createSession(gw, number(400));
  assert.equal(res.status, 201);
  assert.equal(res.body.worker.id, upWorker.id);
  const state = (await workers()).find((w) => w.id === downWorker.id);
  assert.equal(state?.healthy, false);
  assert.equal(state?.sessions, 0, 'its reservation was released');

  await up.goOffline();
  const none = await createSession(gw, number(401));
  assert.equal(none.status, 503);
  assert.equal(none.body.error.code, 'WORKER_UNAVAILABLE');
  assert.equal((await call('GET', `${gw.url}/api/sessions/${number(401)}`)).status, 404);
  await up.goOnline();
  await down.goOnline();
});

test('a QR nobody scanned ends FAILED, and asking again shows a new one', async () => {
  const worker = await emulator();
  await registerEmulator(gw, worker);
  const phone = number(500);
  assert.equal((await createSession(gw, phone)).status, 201);
  await waitForQr(worker, phone);
  // WAHA fails a pairing whose QR nobody scanned (its own timer; the emulator's is tested with
  // the emulator): dropped here on cue, so the new QR below cannot time out under a slow test.
  worker.setFaults({ dropSession: phone });
  const failed = await waitForStoredStatus(gw, phone, 'FAILED');
  assert.match(failed.last_error ?? '', /not scanned/);
  const again = await createSession(gw, phone);
  assert.equal(again.status, 200);
  assert.ok(['STARTING', 'WAITING_FOR_SCAN'].includes(again.body.status), again.body.status);
});

test('a session whose worker was disabled moves to another and leaves the old one', async () => {
  const first = await emulator();
  const firstWorker = await registerEmulator(gw, first);
  const phone = number(600);
  const created = await createSession(gw, phone);
  assert.equal(created.status, 201);
  await call('PATCH', `${gw.url}/api/admin/workers/${firstWorker.id}`, {
    headers: gw.adminHeaders,
    body: { enabled: false },
  });
  const second = await emulator();
  const secondWorker = await registerEmulator(gw, second);
  // A pairing under way is its token holder's to move.
  const moved = await createSession(gw, phone, created.body.sender_token);
  assert.equal(moved.status, 201);
  assert.equal(moved.body.worker.id, secondWorker.id);
  assert.ok(second.sessions().some((s) => s.name === phone));
  assert.equal(
    first.sessions().some((s) => s.name === phone),
    false,
  );
});

test('a session never scanned moves off a worker that is down; a paired one waits for it', async () => {
  const first = await emulator();
  const firstWorker = await registerEmulator(gw, first);
  const unpaired = number(700);
  const paired = number(701);
  const created = await createSession(gw, unpaired);
  assert.equal(created.status, 201);
  assert.equal((await createSession(gw, paired)).status, 201);
  await first.goOffline();
  // The paired one as the prober leaves it once the worker stops answering. The session events
  // still on their way then find no worker to read and are older than this change: ignored.
  await gw.db
    .updateTable('sessions')
    .set({
      status: 'DISCONNECTED',
      connected_at: new Date(),
      status_changed_at: sql`now()`,
      updated_at: sql`now()`,
    })
    .where('phone_number', '=', paired)
    .execute();
  await gw.db
    .updateTable('workers')
    .set({ healthy: false })
    .where('id', '=', firstWorker.id)
    .execute();
  const second = await emulator();
  const secondWorker = await registerEmulator(gw, second);

  const moved = await createSession(gw, unpaired, created.body.sender_token);
  assert.equal(moved.status, 201);
  assert.equal(moved.body.worker.id, secondWorker.id);
  const waiting = await createSession(gw, paired);
  assert.equal(waiting.status, 200);
  assert.equal(waiting.body.status, 'DISCONNECTED');
  assert.equal(waiting.body.worker.id, firstWorker.id);
  await first.goOnline();
});

test('only live sessions hold a slot: a QR nobody scanned frees it, and cannot take it back', async () => {
  const small = await emulator({ qrTimeoutMs: 1500, qrRotateMs: 500 });
  const worker = await registerEmulator(gw, small, { capacity: 1 });
  const abandoned = number(800);
  assert.equal((await createSession(gw, abandoned)).status, 201);
  await waitForStoredStatus(gw, abandoned, 'FAILED');
  // Before, every row counted whatever its status: one unscanned QR filled the worker for good.
  const next = await createSession(gw, number(801));
  assert.equal(next.status, 201);
  assert.equal(next.body.worker.id, worker.id);
  await scanWhenReady(small, number(801), number(801));
  await waitForStoredStatus(gw, number(801), 'CONNECTED');
  const again = await createSession(gw, abandoned);
  assert.equal(again.status, 503, 'the worker is full with a live session now');
  assert.equal(again.body.error.code, 'NO_CAPACITY');
});
