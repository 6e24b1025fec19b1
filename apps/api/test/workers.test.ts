import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createLogger } from '@herald/logging';
import { freePort, waitFor } from '@herald/testing';
import type { RunningEmulator } from '@herald/waha-emulator';
import {
  createSession,
  scanWhenReady,
  startTestEmulator,
  TEST_HMAC_KEY,
  waitForStoredStatus,
} from './support/fleet.ts';
import { startTestGateway, type TestGateway } from './support/gateway.ts';
import { type CallResult, call } from './support/http.ts';

let gw: TestGateway;
let plus: RunningEmulator;
let core: RunningEmulator;
const logFile = join(tmpdir(), `herald-workers-${process.pid}.log`);
/** Every response body of this file, to prove no worker key ever leaves the API. */
const seen: string[] = [];

async function api(method: string, path: string, body?: unknown, headers = gw.adminHeaders) {
  const res: CallResult = await call(method, `${gw.url}${path}`, {
    headers,
    ...(body === undefined ? {} : { body }),
  });
  seen.push(JSON.stringify(res.body ?? null));
  return res;
}

before(async () => {
  const logger = createLogger({ service: 'test', console: false, file: logFile, level: 'debug' });
  gw = await startTestGateway(
    { MAX_LIVE_SESSIONS: '4', WEBHOOK_HMAC_KEY: TEST_HMAC_KEY },
    { logger },
  );
  plus = await startTestEmulator({ tier: 'PLUS' });
  core = await startTestEmulator({ tier: 'CORE' });
});

after(async () => {
  await gw.close();
  await plus.close();
  await core.close();
  await rm(logFile, { force: true });
});

test('registers a worker, probing its tier at once, and never shows its key', async () => {
  const res = await api('POST', '/api/admin/workers', {
    url: `${plus.url}/`,
    api_key: plus.apiKey,
    capacity: 10,
    name: 'plus-1',
  });
  assert.equal(res.status, 201);
  assert.equal(res.body.url, plus.url, 'stored without the trailing slash');
  assert.equal(res.body.name, 'plus-1');
  assert.equal(res.body.tier, 'PLUS');
  assert.equal(res.body.engine, 'NOWEB');
  assert.equal(res.body.healthy, true);
  assert.equal(res.body.is_healthy, true);
  assert.ok(res.body.last_seen);
  assert.equal(res.body.sessions, 0);
  assert.equal(res.body.effective_capacity, 4, 'MAX_LIVE_SESSIONS caps every worker');
  assert.equal('api_key' in res.body, false);
});

test('a Core worker holds exactly one session whatever its capacity', async () => {
  const res = await api('POST', '/api/admin/workers', {
    url: core.url,
    api_key: core.apiKey,
    capacity: 50,
  });
  assert.equal(res.status, 201);
  assert.equal(res.body.tier, 'CORE');
  assert.equal(res.body.effective_capacity, 1);
  assert.equal(res.body.name, new URL(core.url).host, 'named after its host when no name is given');
});

test('a worker that does not answer is stored unhealthy with the reason', async () => {
  const port = await freePort();
  const res = await api('POST', '/api/admin/workers', {
    url: `http://127.0.0.1:${port}`,
    api_key: 'k-unreachable',
  });
  assert.equal(res.status, 201);
  assert.equal(res.body.healthy, false);
  assert.equal(res.body.tier, null);
  assert.match(res.body.last_error, /connection refused/i);
  assert.equal(res.body.capacity, 10, 'capacity defaults to 10');
  assert.equal(res.body.enabled, true);
});

test('a wrong key is reported as the reason the worker is unhealthy', async () => {
  const other = await startTestEmulator({ tier: 'PLUS' });
  try {
    const res = await api('POST', '/api/admin/workers', { url: other.url, api_key: 'not-the-key' });
    assert.equal(res.status, 201);
    assert.equal(res.body.healthy, false);
    assert.match(res.body.last_error, /401/);
    await api('DELETE', `/api/admin/workers/${res.body.id}`);
  } finally {
    await other.close();
  }
});

test('refuses a second worker with the same URL', async () => {
  const res = await api('POST', '/api/admin/workers', { url: plus.url, api_key: 'whatever' });
  assert.equal(res.status, 409);
  assert.equal(res.body.error.code, 'WORKER_EXISTS');
});

test('rejects invalid worker input', async () => {
  for (const body of [
    { url: 'ftp://127.0.0.1:21', api_key: 'k' },
    { url: 'not a url', api_key: 'k' },
    { url: 'http://127.0.0.1:3000' },
    { url: 'http://user:pw@127.0.0.1:3000', api_key: 'k' },
    { url: 'http://127.0.0.1:3000', api_key: 'k', capacity: 0 },
    { url: 'http://127.0.0.1:3000', api_key: 'k\u0000' },
    { url: 'http://127.0.0.1:3000', api_key: '…' },
    { url: 'http://127.0.0.1:3000', api_key: 'a key' },
    { url: 'http://127.0.0.1:3000', api_key: 'k', name: 'a\u0000b' },
  ]) {
    const res = await api('POST', '/api/admin/workers', body);
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.equal(res.body.error.code, 'VALIDATION_FAILED');
  }
});

test('worker routes need the admin key', async () => {
  const missing = await api('GET', '/api/admin/workers', undefined, {});
  assert.equal(missing.status, 401);
  assert.equal(missing.body.error.code, 'ADMIN_KEY_REQUIRED');
  const wrong = await api(
    'POST',
    '/api/admin/workers',
    { url: plus.url, api_key: 'x' },
    {
      'X-Admin-API-Key': 'wrong-key-0123456789',
    },
  );
  assert.equal(wrong.status, 403);
  assert.equal(wrong.body.error.code, 'ADMIN_KEY_INVALID');
});

test('lists workers and reads one', async () => {
  const list = await api('GET', '/api/admin/workers');
  assert.equal(list.status, 200);
  assert.ok(list.body.length >= 3);
  const first = list.body[0];
  const one = await api('GET', `/api/admin/workers/${first.id}`);
  assert.equal(one.status, 200);
  assert.deepEqual(one.body, first);
  const unknown = await api('GET', '/api/admin/workers/999999');
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.error.code, 'WORKER_NOT_FOUND');
  const bad = await api('GET', '/api/admin/workers/abc');
  assert.equal(bad.status, 400);
});

test('updates a worker, re-probing when its URL or key changes', async () => {
  const list = await api('GET', '/api/admin/workers');
  const unhealthy = list.body.find((w: { healthy: boolean; last_error: string }) =>
    /refused/i.test(w.last_error ?? ''),
  );
  const other = await startTestEmulator({ tier: 'PLUS' });
  try {
    const res = await api('PATCH', `/api/admin/workers/${unhealthy.id}`, {
      url: other.url,
      api_key: other.apiKey,
      capacity: 3,
      name: 'renamed',
      enabled: false,
    });
    assert.equal(res.status, 200);
    assert.equal(res.body.healthy, true);
    assert.equal(res.body.tier, 'PLUS');
    assert.equal(res.body.capacity, 3);
    assert.equal(res.body.effective_capacity, 3);
    assert.equal(res.body.name, 'renamed');
    assert.equal(res.body.enabled, false);
    assert.equal(res.body.last_error, null);

    const taken = await api('PATCH', `/api/admin/workers/${unhealthy.id}`, { url: plus.url });
    assert.equal(taken.status, 409);
    assert.equal(taken.body.error.code, 'WORKER_EXISTS');
    const empty = await api('PATCH', `/api/admin/workers/${unhealthy.id}`, {});
    assert.equal(empty.status, 400);
    const unknownField = await api('PATCH', `/api/admin/workers/${unhealthy.id}`, { tier: 'CORE' });
    assert.equal(unknownField.status, 400);
    const missing = await api('PATCH', '/api/admin/workers/999999', { capacity: 2 });
    assert.equal(missing.status, 404);
    assert.equal((await api('DELETE', `/api/admin/workers/${unhealthy.id}`)).status, 200);
  } finally {
    await other.close();
  }
});

test('refuses to delete a worker holding sessions unless forced, then ends them', async () => {
  const list = await api('GET', '/api/admin/workers');
  const coreWorker = list.body.find((w: { tier: string }) => w.tier === 'CORE');
  // Keep the session on the Core worker: the Plus one is disabled for a moment.
  const plusWorker = list.body.find((w: { tier: string }) => w.tier === 'PLUS');
  await api('PATCH', `/api/admin/workers/${plusWorker.id}`, { enabled: false });
  const created = await createSession(gw, '21650000001');
  assert.equal(created.status, 201);
  assert.equal(created.body.worker.id, coreWorker.id);
  assert.equal(created.body.waha_session, 'default');
  await api('PATCH', `/api/admin/workers/${plusWorker.id}`, { enabled: true });
  await scanWhenReady(core, 'default', '21650000001');
  await waitForStoredStatus(gw, '21650000001', 'CONNECTED');

  const refused = await api('DELETE', `/api/admin/workers/${coreWorker.id}`);
  assert.equal(refused.status, 409);
  assert.equal(refused.body.error.code, 'WORKER_HAS_SESSIONS');
  assert.deepEqual(refused.body.error.details.phone_numbers, ['21650000001']);

  const forced = await api('DELETE', `/api/admin/workers/${coreWorker.id}?force=true`);
  assert.equal(forced.status, 200);
  assert.deepEqual(forced.body, {
    id: coreWorker.id,
    deleted: true,
    ended_sessions: ['21650000001'],
  });
  assert.equal(
    core.sessions().find((s) => s.name === 'default'),
    undefined,
    'deleted on the worker',
  );
  assert.equal((await api('GET', '/api/sessions/21650000001')).status, 404);
  assert.equal((await api('DELETE', `/api/admin/workers/${coreWorker.id}`)).status, 404);
});

test('cleanup removes every worker and session and says how many', async () => {
  const created = await createSession(gw, '21650000002');
  assert.equal(created.status, 201);
  const res = await api('DELETE', '/api/admin/workers/cleanup');
  assert.equal(res.status, 200);
  assert.equal(res.body.sessions_deleted, 1);
  assert.deepEqual(res.body.ended_sessions, ['21650000002']);
  assert.ok(res.body.workers_deleted >= 1);
  assert.deepEqual((await api('GET', '/api/admin/workers')).body, []);
  assert.equal(plus.sessions().length, 0);
});

test('no response and no log line ever carries a worker key or the webhook key', async () => {
  const keys = [plus.apiKey, core.apiKey, TEST_HMAC_KEY].filter((k): k is string => Boolean(k));
  for (const body of seen) for (const key of keys) assert.equal(body.includes(key), false);
  const logs = await waitFor(async () => {
    const text = await readFile(logFile, 'utf8').catch(() => '');
    return text.includes('all workers and sessions removed') ? text : null;
  });
  assert.ok(logs.includes('worker registered'));
  for (const key of keys) assert.equal(logs.includes(key), false, 'a key reached the log');
});
