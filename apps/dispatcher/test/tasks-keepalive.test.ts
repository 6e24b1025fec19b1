import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SESSION_KEEPALIVE_QUEUE } from '@herald/domain';
import { waitFor } from '@herald/testing';
import { createWahaClientCache } from '@herald/waha';
import type { RunningEmulator } from '@herald/waha-emulator';
import {
  type KeepaliveDeps,
  keepaliveSessions,
  scheduleKeepalive,
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

test('the daily schedule is registered and its job runs the keep-alive', async () => {
  await idleFor({ [STALE]: 1, [FRESH]: 15, [STALE_NOT_CONNECTED]: 20 });
  await scheduleKeepalive(h.boss, deps, {
    keepaliveDays: 12,
    cron: '0 4 * * *',
    pollingIntervalSeconds: 0.5,
  });
  const schedules = await h.boss.getSchedules(SESSION_KEEPALIVE_QUEUE);
  assert.equal(schedules[0]?.cron, '0 4 * * *');
  // What the cron sends once a day; the worker registered above picks it up.
  await h.boss.send(SESSION_KEEPALIVE_QUEUE, {});
  await waitFor(async () => (await sessionRow(FRESH)).keepalive_at !== null, {
    timeoutMs: 15_000,
    what: 'the scheduled keep-alive to run',
  });
  await h.boss.offWork(SESSION_KEEPALIVE_QUEUE);
});
