import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { makeConnectedSender, makeWorker, queuedTurns, waitFor } from '@herald/testing';
import { createWahaClientCache } from '@herald/waha';
import { sql } from 'kysely';
import {
  type ProbeDeps,
  type ProbeReport,
  probeDueWorkers,
  startWorkerProbing,
} from '../src/tasks/probe-workers.ts';
import { createHarness, type Harness, testLogger } from './harness.ts';

let h: Harness;
let deps: ProbeDeps;
const clients = createWahaClientCache({ timeoutMs: 3000 });

before(async () => {
  h = await createHarness();
  deps = { db: h.db, boss: h.boss, logger: testLogger, wahaClients: clients };
});

after(async () => {
  await clients.closeAll();
  await h.close();
});

const workerRow = (id: number) =>
  h.db.selectFrom('workers').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const sessionRow = (phone: string) =>
  h.db
    .selectFrom('sessions')
    .selectAll()
    .where('phone_number', '=', phone)
    .executeTakeFirstOrThrow();
const onlyWorker = async (id: number) => {
  await sql`UPDATE workers SET next_probe_at = now() + interval '1 hour' WHERE id <> ${id}`.execute(
    h.db,
  );
  await sql`UPDATE workers SET next_probe_at = now() WHERE id = ${id}`.execute(h.db);
};

const queuedTurnCount = async (phone: string) => (await queuedTurns(h.boss, phone)).length;

test('a probe records what the worker is and schedules its next probe one interval ahead', async () => {
  const emulator = await h.emulator({ tier: 'PLUS' });
  const worker = await makeWorker(h.db, {
    url: emulator.url,
    api_key: emulator.apiKey ?? '',
    tier: null,
    healthy: false,
  });
  await onlyWorker(worker.id);
  const [report] = await probeDueWorkers(deps, { intervalSeconds: 60 });
  assert.equal(report?.healthy, true);
  const row = await workerRow(worker.id);
  assert.deepEqual(
    [row.healthy, row.tier, row.engine, row.consecutive_failures, row.last_error],
    [true, 'PLUS', 'NOWEB', 0, null],
  );
  assert.ok(row.last_seen_at);
  const ahead = row.next_probe_at.getTime() - (report?.claimedAt.getTime() ?? 0);
  assert.equal(ahead, 60_000);
  assert.deepEqual(await probeDueWorkers(deps, { intervalSeconds: 60 }), [], 'not due again yet');
});

test('a worker that stops answering is unhealthy at once and its sessions are DISCONNECTED', async () => {
  const emulator = await h.emulator({ tier: 'PLUS' });
  const worker = await h.workerFor(emulator);
  await h.connectSender(emulator, '21650600001');
  await emulator.goOffline();
  await onlyWorker(worker.id);
  const [report] = await probeDueWorkers(deps);
  assert.equal(report?.healthy, false);
  assert.deepEqual(report?.disconnected, ['21650600001']);
  const row = await workerRow(worker.id);
  assert.equal(row.healthy, false);
  assert.match(row.last_error ?? '', /connection refused/i);
  assert.equal((await sessionRow('21650600001')).status, 'DISCONNECTED');

  // Back: healthy again, the session CONNECTED again, and its sender's turn queued.
  await emulator.goOnline();
  await onlyWorker(worker.id);
  const [back] = await probeDueWorkers(deps);
  assert.equal(back?.healthy, true);
  assert.deepEqual(back?.reconciled?.resumed, ['21650600001']);
  assert.equal((await sessionRow('21650600001')).status, 'CONNECTED');
  assert.equal(await queuedTurnCount('21650600001'), 1);
});

test('a worker that hangs is unhealthy only after two failed probes in a row', async () => {
  const held: Socket[] = [];
  const silent: Server = createServer((socket) => held.push(socket));
  silent.listen(0, '127.0.0.1');
  await once(silent, 'listening');
  const { port } = silent.address() as { port: number };
  try {
    const worker = await makeWorker(h.db, { url: `http://127.0.0.1:${port}`, healthy: true });
    await onlyWorker(worker.id);
    await probeDueWorkers(deps, { probeTimeoutMs: 200 });
    let row = await workerRow(worker.id);
    assert.deepEqual([row.healthy, row.consecutive_failures], [true, 1]);
    assert.match(row.last_error ?? '', /longer than 200 ms/);
    await onlyWorker(worker.id);
    await probeDueWorkers(deps, { probeTimeoutMs: 200 });
    row = await workerRow(worker.id);
    assert.deepEqual([row.healthy, row.consecutive_failures], [false, 2]);
  } finally {
    for (const socket of held) socket.destroy();
    silent.close();
  }
});

test('reconciliation corrects what lost webhooks left stale', async () => {
  const emulator = await h.emulator({ tier: 'PLUS' });
  const worker = await h.workerFor(emulator);
  // WORKING on WAHA, but Herald still thinks a QR is being shown.
  await h.connectSender(emulator, '21650600010');
  await h.db
    .updateTable('sessions')
    .set({
      status: 'WAITING_FOR_SCAN',
      waha_status: 'SCAN_QR_CODE',
      me_id: null,
      connected_at: null,
    })
    .where('phone_number', '=', '21650600010')
    .execute();
  // Logged out from the phone while no webhook got through.
  await h.connectSender(emulator, '21650600011');
  emulator.logout('21650600011');
  // Herald has rows WAHA knows nothing about: an old one, and one being created right now.
  await makeConnectedSender(h.db, '21650600012', { worker });
  // All of that happened long ago: nothing fresher than WAHA's list touched these rows.
  await sql`UPDATE sessions SET updated_at = now() - interval '1 hour' WHERE worker_id = ${worker.id}`.execute(
    h.db,
  );
  await makeConnectedSender(h.db, '21650600013', { worker, status: 'STARTING' });

  await onlyWorker(worker.id);
  const [report] = await probeDueWorkers(deps);
  assert.deepEqual(report?.reconciled?.corrected.sort(), [
    '21650600010',
    '21650600011',
    '21650600012',
  ]);
  const connected = await sessionRow('21650600010');
  assert.deepEqual([connected.status, connected.me_id], ['CONNECTED', '21650600010@c.us']);
  assert.ok(connected.connected_at);
  assert.equal((await sessionRow('21650600011')).status, 'EXPIRED');
  const missing = await sessionRow('21650600012');
  assert.equal(missing.status, 'STOPPED');
  assert.match(missing.last_error ?? '', /no longer exists/);
  assert.equal(
    (await sessionRow('21650600013')).status,
    'STARTING',
    'a session being created is left alone',
  );
});

test('a pass over sessions WAHA reports as Herald has them writes no row and reads none alone', async () => {
  const emulator = await h.emulator({ tier: 'PLUS' });
  const worker = await h.workerFor(emulator);
  await h.connectSender(emulator, '21650600015');
  await h.connectSender(emulator, '21650600016');
  // Old news: nothing fresher than WAHA's list touched these rows.
  const age = () =>
    sql`UPDATE sessions SET updated_at = now() - interval '1 hour' WHERE worker_id = ${worker.id}`.execute(
      h.db,
    );
  await age();
  // The first pass may learn something (the push name); the second has nothing to learn.
  await onlyWorker(worker.id);
  await probeDueWorkers(deps);
  await age();
  // Every write moves a row's version (`updated_at` to the microsecond).
  const versions = () =>
    h.db
      .selectFrom('sessions')
      .select(['phone_number', sql<string>`updated_at::text`.as('version')])
      .where('worker_id', '=', worker.id)
      .orderBy('phone_number')
      .execute();
  const before = await versions();
  await onlyWorker(worker.id);
  // Every statement of the pass, as Kysely compiles it: one naming a sender is a per-session one.
  const statements: string[] = [];
  const watched = h.db.withPlugin({
    transformQuery: ({ node }) => {
      statements.push(JSON.stringify(node));
      return node;
    },
    transformResult: async ({ result }) => result,
  });
  const [report] = await probeDueWorkers({ ...deps, db: watched });
  assert.deepEqual(report?.reconciled?.corrected, []);
  const after = await versions();
  assert.equal(after.length, 2);
  assert.deepEqual(after, before, 'no session row was written');
  assert.ok(statements.length > 0);
  assert.deepEqual(
    statements.filter((s) => s.includes('21650600015') || s.includes('21650600016')),
    [],
    'no session was read on its own: the batch read already showed nothing to change',
  );
});

test('a row changed moments ago is not taken out of CONNECTED by an older list', async () => {
  const emulator = await h.emulator({ tier: 'CORE' });
  const worker = await h.workerFor(emulator);
  // Herald wrote CONNECTED just now (an event fresher than any list); WAHA still says STOPPED.
  await makeConnectedSender(h.db, '21650600020', { worker });
  await onlyWorker(worker.id);
  const [report] = await probeDueWorkers(deps);
  assert.deepEqual(report?.reconciled?.corrected, []);
  assert.equal((await sessionRow('21650600020')).status, 'CONNECTED');
  // Once it is old news, the list wins: a paired session WAHA holds STOPPED is started again.
  await sql`UPDATE sessions SET updated_at = now() - interval '1 minute' WHERE phone_number = '21650600020'`.execute(
    h.db,
  );
  await onlyWorker(worker.id);
  const [later] = await probeDueWorkers(deps);
  assert.deepEqual(later?.reconciled?.restarted, ['21650600020']);
  // Never scanned on this worker, it asks for a QR: the next pass reports it as needing one.
  await waitFor(() => emulator.sessions()[0]?.status === 'SCAN_QR_CODE', { what: 'a QR' });
  await onlyWorker(worker.id);
  await probeDueWorkers(deps);
  assert.notEqual((await sessionRow('21650600020')).status, 'CONNECTED');
});

test('dispatchers share the probing: each worker is probed once per interval', async () => {
  const ids: number[] = [];
  for (let i = 0; i < 3; i += 1)
    ids.push((await h.workerFor(await h.emulator({ tier: 'PLUS' }))).id);
  await sql`UPDATE workers SET next_probe_at = now() + interval '1 hour'`.execute(h.db);
  const reports: ProbeReport[] = [];
  const options = { intervalSeconds: 1, onProbe: (r: ProbeReport) => reports.push(r) };
  // Two dispatchers: their own loops and clients, one database.
  const otherClients = createWahaClientCache({ timeoutMs: 3000 });
  const one = startWorkerProbing(deps, options);
  const two = startWorkerProbing({ ...deps, wahaClients: otherClients }, options);
  try {
    await sql`UPDATE workers SET next_probe_at = now() WHERE id IN (${sql.join(ids)})`.execute(
      h.db,
    );
    await waitFor(() => ids.every((id) => reports.filter((r) => r.workerId === id).length >= 3), {
      timeoutMs: 15_000,
      what: 'three probes of each worker',
    });
  } finally {
    await Promise.all([one.stop(), two.stop()]);
    await otherClients.closeAll();
  }
  for (const id of ids) {
    const claims = reports
      .filter((r) => r.workerId === id)
      .map((r) => r.claimedAt.getTime())
      .sort((a, b) => a - b);
    for (let i = 1; i < claims.length; i += 1) {
      const gap = (claims[i] as number) - (claims[i - 1] as number);
      assert.ok(gap >= 1000, `worker ${id} probed twice within ${gap} ms`);
    }
  }
});

test('a QR nobody scanned within the pairing timeout is stopped on its worker, freeing its slot', async () => {
  const emulator = await h.emulator({ tier: 'PLUS' });
  const worker = await h.workerFor(emulator);
  const stale = '21650600090';
  const fresh = '21650600091';
  for (const phone of [stale, fresh]) {
    await makeConnectedSender(h.db, phone, { worker, status: 'WAITING_FOR_SCAN' });
  }
  const client = clients.clientFor({ url: emulator.url, apiKey: emulator.apiKey ?? '' });
  await client.createSession({
    name: stale,
    start: true,
    config: { metadata: { 'herald.phone': stale } },
  });
  await waitFor(
    () => emulator.sessions().find((s) => s.name === stale)?.status === 'SCAN_QR_CODE',
    {
      what: 'the QR to show',
    },
  );
  await sql`UPDATE sessions SET connected_at = NULL, me_id = NULL, waha_status = 'SCAN_QR_CODE'`.execute(
    h.db,
  );
  await sql`UPDATE sessions SET status_changed_at = now() - interval '10 minutes',
    updated_at = now() - interval '10 minutes' WHERE phone_number = ${stale}`.execute(h.db);

  await onlyWorker(worker.id);
  const [report] = await probeDueWorkers({ ...deps, pairingTimeoutSeconds: 300 });
  assert.deepEqual(report?.reconciled?.stopped, [stale]);
  const row = await sessionRow(stale);
  assert.equal(row.status, 'STOPPED');
  assert.match(row.last_error ?? '', /not scanned within 300 s/);
  await waitFor(() => emulator.sessions().find((s) => s.name === stale)?.status === 'STOPPED', {
    what: 'the session to be stopped on its worker',
  });
  assert.equal((await sessionRow(fresh)).status, 'WAITING_FOR_SCAN', 'a recent QR is left alone');
});

test('reconciliation logs out a session another account scanned, and reports WRONG_ACCOUNT', async () => {
  const emulator = await h.emulator({ tier: 'PLUS' });
  const worker = await h.workerFor(emulator);
  const phone = '21650600095';
  await makeConnectedSender(h.db, phone, { worker, status: 'WAITING_FOR_SCAN' });
  const client = clients.clientFor({ url: emulator.url, apiKey: emulator.apiKey ?? '' });
  await client.createSession({
    name: phone,
    start: true,
    config: { metadata: { 'herald.phone': phone } },
  });
  await waitFor(
    () => emulator.sessions().find((s) => s.name === phone)?.status === 'SCAN_QR_CODE',
    {
      what: 'the QR to show',
    },
  );
  // Scanned by another phone while no webhook got through.
  emulator.scan(phone, '21650600999');
  await sql`UPDATE sessions SET connected_at = NULL, me_id = NULL,
    updated_at = now() - interval '1 hour' WHERE phone_number = ${phone}`.execute(h.db);

  await onlyWorker(worker.id);
  const [report] = await probeDueWorkers(deps);
  assert.deepEqual(report?.reconciled?.corrected, [phone]);
  assert.equal((await sessionRow(phone)).status, 'WRONG_ACCOUNT');
  await waitFor(() => emulator.sessions().find((s) => s.name === phone)?.status === 'STOPPED', {
    what: 'the other account to be logged out and the session stopped',
  });
});
