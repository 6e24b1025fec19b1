import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  createTestDatabase,
  freePort,
  PROCESS_START_MS,
  type RunningProcess,
  startDispatcherProcess,
  startTsProcess,
  type TestDatabase,
  waitFor,
  waitForCampaignDone,
  waitUntilReady,
} from '@herald/testing';
import { type RunningEmulator, startEmulator } from '@herald/waha-emulator';
import { request } from 'undici';

// /healthz, /readyz and /metrics on a gateway process and on a separate dispatcher process, and
// the counters moving when a campaign is sent through them.

const ADMIN_KEY = 'observability-admin-key-0123';
const PHONE = '21620000301';
let t: TestDatabase;
let emulator: RunningEmulator;
let gatewayUrl: string;
let dispatcherUrl: string;
const processes: RunningProcess[] = [];

async function get(url: string): Promise<{ status: number; text: string }> {
  const res = await request(url);
  return { status: res.statusCode, text: await res.body.text() };
}

/** The value of one series in Prometheus text (labels in any order), or 0 when absent. */
function seriesValue(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = match[2] ?? '';
    if (Object.entries(labels).every(([k, v]) => have.includes(`${k}="${v}"`))) {
      return Number(match[3]);
    }
  }
  return 0;
}

before(async () => {
  t = await createTestDatabase();
  emulator = await startEmulator({ apiKey: 'observability-waha-key', startingDelayMs: 0 });
  const port = await freePort();
  gatewayUrl = `http://127.0.0.1:${port}`;
  const gateway = startTsProcess('apps/api/src/main.ts', {
    DATABASE_URL: t.url,
    LOG_FILE: '',
    LOG_LEVEL: 'warn',
    PORT: String(port),
    HOST: '127.0.0.1',
    ADMIN_API_KEY: ADMIN_KEY,
    PUBLIC_URL: gatewayUrl,
    MESSAGE_DELAY: '0.1',
    SENDER_SWITCH_DELAY: '0',
  });
  processes.push(gateway);
  const metricsPort = await freePort();
  dispatcherUrl = `http://127.0.0.1:${metricsPort}`;
  const [dispatcher] = await Promise.all([
    startDispatcherProcess(t.url, 'observability-1', {
      METRICS_PORT: String(metricsPort),
      METRICS_HOST: '127.0.0.1',
      PROBE_INTERVAL_SECONDS: '1',
    }),
    waitUntilReady(
      gateway,
      'the gateway',
      () =>
        get(`${gatewayUrl}/healthz`).then(
          (r) => r.status === 200,
          () => false,
        ),
      PROCESS_START_MS,
    ),
  ]);
  processes.push(dispatcher);
});

after(async () => {
  await Promise.all(processes.map((p) => p.stop()));
  await emulator?.close();
  await t?.drop();
});

test('health, readiness and metrics answer on the gateway and on a dispatcher process', async () => {
  for (const base of [gatewayUrl, dispatcherUrl]) {
    assert.equal((await get(`${base}/healthz`)).status, 200, base);
    const ready = await get(`${base}/readyz`);
    assert.equal(ready.status, 200, ready.text);
    assert.deepEqual(JSON.parse(ready.text).checks, {
      database: 'ok',
      migrations: 'ok',
      queue: 'ok',
    });
    const metrics = await get(`${base}/metrics`);
    assert.equal(metrics.status, 200);
    assert.match(metrics.text, /# TYPE herald_messages_total counter/);
    assert.match(metrics.text, /herald_process_resident_memory_bytes/);
  }
  const openapi = JSON.parse((await get(`${gatewayUrl}/openapi.json`)).text);
  assert.ok(openapi.paths['/readyz'] && openapi.paths['/metrics'], 'documented');
});

test('the counters move when a campaign is sent', async () => {
  const admin = { 'x-admin-api-key': ADMIN_KEY, 'content-type': 'application/json' };
  const registered = await request(`${gatewayUrl}/api/admin/workers`, {
    method: 'POST',
    headers: admin,
    body: JSON.stringify({ url: emulator.url, api_key: 'observability-waha-key', capacity: 1 }),
  });
  assert.equal(registered.statusCode, 201, await registered.body.text());
  const created = await request(`${gatewayUrl}/api/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ phone_number: PHONE }),
  });
  assert.equal(created.statusCode, 201, await created.body.text());
  await waitFor(() => emulator.sessions()[0]?.status === 'SCAN_QR_CODE', { what: 'a QR' });
  emulator.scan('default', PHONE);
  await waitFor(
    async () => (await get(`${gatewayUrl}/api/sessions/${PHONE}`)).text.includes('"CONNECTED"'),
    { what: 'the session CONNECTED' },
  );

  const before = await get(`${dispatcherUrl}/metrics`);
  const sent = await request(`${gatewayUrl}/api/send`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      sender_number: PHONE,
      recipients: ['21642108101', '21642108102'],
      template: 'Metrics {{n}}',
      variables: { n: 'test' },
    }),
  });
  const campaign = (await sent.body.json()) as { id: number };
  assert.equal(sent.statusCode, 201, JSON.stringify(campaign));
  await waitForCampaignDone(t.db, campaign.id);

  const after = (await get(`${dispatcherUrl}/metrics`)).text;
  const sentCount = (text: string) =>
    seriesValue(text, 'herald_messages_total', { outcome: 'sent' });
  assert.equal(sentCount(after) - sentCount(before.text), 2, after);
  const sends = { operation: 'POST /api/sendText', result: 'ok' };
  assert.ok(seriesValue(after, 'herald_waha_request_seconds_count', sends) >= 2, after);
  assert.ok(seriesValue(after, 'herald_pacing_lag_seconds_count') >= 2, after);
  assert.doesNotMatch(after, /21642108101|observability-waha-key/, 'no recipient or key');

  // Gauges read from the database, reused for a second between scrapes.
  await waitFor(
    async () => {
      const fleet = (await get(`${gatewayUrl}/metrics`)).text;
      return (
        seriesValue(fleet, 'herald_sessions', { status: 'CONNECTED' }) === 1 &&
        seriesValue(fleet, 'herald_workers', { health: 'healthy' }) === 1 &&
        fleet.includes('herald_messages_pending{service="api"} 0')
      );
    },
    { timeoutMs: 10_000, what: 'the fleet gauges: 1 connected session, 1 healthy worker' },
  );
});
