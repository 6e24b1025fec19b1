import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createWahaClientCache } from '@herald/waha';
import type { RunningEmulator } from '@herald/waha-emulator';
import {
  createKeepaliveTask,
  type KeepaliveDeps,
  keepaliveSessions,
} from '../src/tasks/keepalive-sessions.ts';
import { createHarness, type Harness, testLogger } from './harness.ts';

const DAY = 86_400_000;
const NOW = new Date('2030-05-01T04:00:00.000Z');

let h: Harness;
let emulator: RunningEmulator;
let deps: KeepaliveDeps;
const clients = createWahaClientCache({ timeoutMs: 3000 });

const STALE = '21650700001';
const FRESH = '21650700002';
const STALE_NOT_CONNECTED = '21650700003';

/** Each session's device idle this many days before NOW, and never kept alive: every test sets its own. */
async function idleFor(days: Record<string, number>) {
  for (const [phone, idle] of Object.entries(days)) {
    await h.db
      .updateTable('sessions')
      .set({ device_active_at: new Date(NOW.getTime() - idle * DAY), keepalive_at: null })
      .where('phone_number', '=', phone)
      .execute();
  }
}

const sessionRow = (phone: string) =>
  h.db
    .selectFrom('sessions')
    .selectAll()
    .where('phone_number', '=', phone)
    .executeTakeFirstOrThrow();

async function presenceOnWorker(phone: string): Promise<unknown> {
  const res = await fetch(`${emulator.url}/api/sessions/${phone}`, {
    headers: { 'x-api-key': emulator.apiKey ?? '' },
  });
  return ((await res.json()) as { presence: unknown }).presence;
}

before(async () => {
  h = await createHarness();
  emulator = await h.emulator({ tier: 'PLUS' });
  deps = { db: h.db, boss: h.boss, logger: testLogger, wahaClients: clients, now: () => NOW };
  for (const phone of [STALE, FRESH, STALE_NOT_CONNECTED]) await h.connectSender(emulator, phone);
  await h.db
    .updateTable('sessions')
    .set({ status: 'DISCONNECTED' })
    .where('phone_number', '=', STALE_NOT_CONNECTED)
    .execute();
});

after(async () => {
  await clients.closeAll();
  await h.close();
});

test('keep-alive touches only CONNECTED sessions whose device has been idle for KEEPALIVE_DAYS', async () => {
  await idleFor({ [STALE]: 13, [FRESH]: 1, [STALE_NOT_CONNECTED]: 20 });
  const freshPresence = await presenceOnWorker(FRESH);
  const sentBefore = emulator.messages().length;
  const report = await keepaliveSessions(deps, { keepaliveDays: 12 });
  assert.deepEqual(report, { refreshed: [STALE], failed: [] });

  const stale = await sessionRow(STALE);
  assert.deepEqual(stale.device_active_at, NOW);
  assert.deepEqual(stale.keepalive_at, NOW);
  // Online then offline: device activity without a message to anyone.
  assert.equal(await presenceOnWorker(STALE), 'offline');
  assert.equal(emulator.messages().length, sentBefore, 'nobody was messaged');

  const fresh = await sessionRow(FRESH);
  assert.equal(fresh.keepalive_at, null);
  assert.deepEqual(fresh.device_active_at, new Date(NOW.getTime() - DAY));
  assert.equal(await presenceOnWorker(FRESH), freshPresence, 'left alone');
  assert.equal((await sessionRow(STALE_NOT_CONNECTED)).keepalive_at, null);

  assert.deepEqual(await keepaliveSessions(deps, { keepaliveDays: 12 }), {
    refreshed: [],
    failed: [],
  });
});

test('a keep-alive the worker refuses is reported and retried on the next run', async () => {
  await idleFor({ [STALE]: 1, [FRESH]: 15, [STALE_NOT_CONNECTED]: 20 });
  await emulator.goOffline();
  try {
    assert.deepEqual(await keepaliveSessions(deps, { keepaliveDays: 12 }), {
      refreshed: [],
      failed: [FRESH],
    });
    assert.equal((await sessionRow(FRESH)).keepalive_at, null);
  } finally {
    await emulator.goOnline();
  }
  assert.deepEqual(await keepaliveSessions(deps, { keepaliveDays: 12 }), {
    refreshed: [FRESH],
    failed: [],
  });
});

test('the hourly task runs the keep-alive', async () => {
  await idleFor({ [STALE]: 1, [FRESH]: 15, [STALE_NOT_CONNECTED]: 20 });
  const task = createKeepaliveTask(deps, { keepaliveDays: 12 });
  assert.equal(task.intervalMs, 3600_000);
  await task.run(new AbortController().signal);
  assert.deepEqual((await sessionRow(FRESH)).keepalive_at, NOW);
  assert.equal((await sessionRow(STALE)).keepalive_at, null);
});
