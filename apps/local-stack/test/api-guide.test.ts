import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  createTestDatabase,
  freePort,
  freePortRange,
  PROCESS_START_MS,
  type RunningProcess,
  startTsProcess,
  type TestDatabase,
  waitFor,
} from '@herald/testing';
import { startEmulator } from '@herald/waha-emulator';
import { request } from 'undici';

// The API guide's manual test procedure (steps 1-14), run end to end with real
// processes: three emulated WAHA Core workers, the gateway, and two dispatchers.

const ADMIN_KEY = 'guide-admin-key-0123456789';
const WAHA_KEY = 'guide-waha-key-0123456789';
const MESSAGE_DELAY = 0.25;
const PHONE_A = '21620000101';
const PHONE_B = '21620000102';
const PHONE_C = '21620000103';
const PHONE_D = '21620000104';
const PHONE_E = '21620000105';
/** Four processes compile and start at once. */
const STARTUP_MS = PROCESS_START_MS;

let t: TestDatabase;
let gatewayUrl: string;
let workerUrls: string[];
const processes: RunningProcess[] = [];

before(async () => {
  t = await createTestDatabase();
  const basePort = await freePortRange(3);
  workerUrls = [0, 1, 2].map((i) => `http://127.0.0.1:${basePort + i}`);
  processes.push(
    startTsProcess('apps/waha-emulator/src/main.ts', {}, [
      '--workers',
      '3',
      '--base-port',
      String(basePort),
      '--tier',
      'core',
      '--api-key',
      WAHA_KEY,
      '--status-wait-ms',
      '300',
    ]),
  );
  const port = await freePort();
  gatewayUrl = `http://127.0.0.1:${port}`;
  const common = { DATABASE_URL: t.url, LOG_FILE: '', LOG_LEVEL: 'warn' };
  processes.push(
    startTsProcess('apps/api/src/main.ts', {
      ...common,
      PORT: String(port),
      ADMIN_API_KEY: ADMIN_KEY,
      PUBLIC_URL: gatewayUrl,
      MESSAGE_DELAY: String(MESSAGE_DELAY),
      SENDER_SWITCH_DELAY: '0',
      MAX_LIVE_SESSIONS: '1',
      // This test polls every 25 ms from one address; a real client polls far less often.
      RATE_LIMIT_PER_MINUTE: '0',
      SENDER_RATE_LIMIT_PER_MINUTE: '0',
    }),
  );
  for (let i = 0; i < 2; i++) {
    processes.push(
      startTsProcess('apps/dispatcher/src/main.ts', {
        ...common,
        METRICS_PORT: '0',
        LEASE_SECONDS: '5',
        SEND_TIMEOUT_MS: '3000',
        WAHA_STATUS_WAIT_MS: '300',
        PROBE_INTERVAL_SECONDS: '1',
      }),
    );
  }
  await waitFor(() => call('GET', `${gatewayUrl}/health`).then((r) => r.status === 200), {
    timeoutMs: STARTUP_MS,
    what: 'the gateway to listen',
  });
  await waitFor(
    () =>
      Promise.all(workerUrls.map((u) => call('GET', `${u}/ping`))).then((rs) =>
        rs.every((r) => r.status === 200),
      ),
    { timeoutMs: STARTUP_MS, what: 'the emulated workers to listen' },
  );
});

after(async () => {
  await Promise.all(processes.map((p) => p.stop()));
  await t?.drop();
});

test('api-guide steps 1-14: two numbers on two workers, a 20-recipient campaign, then a new worker', async (ctx) => {
  const admin = { 'x-admin-api-key': ADMIN_KEY };

  // Steps 1-4: three workers registered, one session each.
  for (const [i, url] of workerUrls.entries()) {
    const res = await call('POST', `${gatewayUrl}/api/admin/workers`, {
      body: { url, api_key: WAHA_KEY, capacity: 1, name: `waha${i + 1}` },
      headers: admin,
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(
      (res.body as { api_key?: string }).api_key,
      undefined,
      'worker keys are write-only',
    );
  }

  // Steps 5-10: connect two numbers by QR.
  const placed: string[] = [];
  for (const phone of [PHONE_A, PHONE_B]) {
    const created = await call('POST', `${gatewayUrl}/api/sessions`, {
      body: { phone_number: phone },
    });
    assert.ok([200, 201].includes(created.status), JSON.stringify(created.body));
    const qr = await waitFor(
      async () => {
        const res = await call('GET', `${gatewayUrl}/api/sessions/${phone}/qr`);
        return res.status === 200 && (res.body as { qr_code?: string }).qr_code ? res.body : null;
      },
      { timeoutMs: 20_000, what: `a QR code for ${phone}` },
    );
    const png = Buffer.from((qr as { qr_code: string }).qr_code, 'base64');
    assert.equal(png.subarray(1, 4).toString(), 'PNG');

    // Which worker shows the QR is an admin's view (step 11's dashboard): users do not see it.
    const session = (await call('GET', `${gatewayUrl}/api/sessions/${phone}`, { headers: admin }))
      .body as {
      worker: { url: string };
      waha_session: string;
    };
    const scan = await call(
      'POST',
      `${session.worker.url}/_emulator/sessions/${session.waha_session}/scan`,
      { body: { phone } },
    );
    assert.equal(scan.status, 200, JSON.stringify(scan.body));
    await waitFor(
      async () =>
        ((await call('GET', `${gatewayUrl}/api/sessions/${phone}`)).body as { status: string })
          .status === 'CONNECTED',
      { timeoutMs: 20_000, what: `${phone} to be CONNECTED` },
    );
    placed.push(session.worker.url);
  }
  // Step 11: the two sessions live on two different workers.
  assert.notEqual(placed[0], placed[1]);
  for (const [i, phone] of [PHONE_A, PHONE_B].entries()) {
    const live = (await call('GET', `${placed[i]}/_emulator/sessions`)).body as Array<{
      status: string;
      me: { id: string } | null;
    }>;
    assert.equal(live[0]?.status, 'WORKING');
    assert.equal(live[0]?.me?.id, `${phone}@c.us`);
  }

  // Step 12: a campaign with variables to 20 recipients.
  const recipients = Array.from({ length: 20 }, (_, i) => `+2169800${String(i).padStart(4, '0')}`);
  const sent = await call('POST', `${gatewayUrl}/api/send`, {
    body: {
      sender_number: PHONE_A,
      template: 'Hello {{name}}, your code is {{code}}',
      variables: { name: 'Amira', code: 42 },
      recipients,
      media_url: null,
    },
  });
  assert.equal(sent.status, 201, JSON.stringify(sent.body));
  const campaign = sent.body as { id: number; status: string; total_messages: number };
  assert.equal(campaign.status, 'PENDING');
  assert.equal(campaign.total_messages, 20);

  // Step 13: the campaign completes.
  const status = await waitFor(
    async () => {
      const res = await call(
        'GET',
        `${gatewayUrl}/api/status/${campaign.id}?sender_number=${PHONE_A}`,
      );
      const body = res.body as { status: string; sent_messages: number };
      return body.status === 'COMPLETED' ? body : null;
    },
    { timeoutMs: 60_000, what: 'the campaign to complete' },
  );
  assert.equal(status.sent_messages, 20);

  const received = (await call('GET', `${placed[0]}/_emulator/messages`)).body as Array<{
    chatId: string;
    text: string;
    acceptedAt: string;
  }>;
  const expected = recipients.map((r) => `${r.slice(1)}@c.us`).sort();
  assert.deepEqual(received.map((m) => m.chatId).sort(), expected, 'each recipient exactly once');
  for (const m of received) assert.equal(m.text, 'Hello Amira, your code is 42');
  const times = received.map((m) => Date.parse(m.acceptedAt)).sort((a, b) => a - b);
  const gaps = times.slice(1).map((time, i) => time - (times[i] as number));
  assert.ok(Math.min(...gaps) >= MESSAGE_DELAY * 1000, `gaps ${gaps.join(', ')} ms`);
  ctx.diagnostic(`gaps between sends (ms): min ${Math.min(...gaps)}, max ${Math.max(...gaps)}`);

  // Nothing went through the other number's worker.
  const other = (await call('GET', `${placed[1]}/_emulator/messages`)).body as unknown[];
  assert.equal(other.length, 0);

  // Step 14: a worker added while Herald runs takes new sessions. MAX_LIVE_SESSIONS=1 caps every
  // worker at one: the third number takes the last free Core worker or the new one, the fourth
  // the one that is left, and a fifth finds no room.
  const added = await startEmulator({ tier: 'PLUS', apiKey: WAHA_KEY, statusWaitMs: 300 });
  ctx.after(() => added.close());
  const registered = await call('POST', `${gatewayUrl}/api/admin/workers`, {
    body: { url: added.url, api_key: WAHA_KEY, capacity: 5, name: 'waha4' },
    headers: admin,
  });
  assert.equal(registered.status, 201, JSON.stringify(registered.body));
  assert.equal((registered.body as { tier: string }).tier, 'PLUS');
  type Placed = { worker: { url: string }; waha_session: string; phone_number: string };
  const later: Placed[] = [];
  for (const phone of [PHONE_C, PHONE_D]) {
    const res = await call('POST', `${gatewayUrl}/api/sessions`, { body: { phone_number: phone } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    // Where it landed is the admin's view (worker URLs are not shown to users).
    const asAdmin = await call('GET', `${gatewayUrl}/api/sessions/${phone}`, { headers: admin });
    later.push(asAdmin.body as Placed);
  }
  const onAdded = later.filter((s) => s.worker.url === added.url);
  assert.equal(onAdded.length, 1, 'one of the two new numbers lands on the new worker');
  assert.equal(onAdded[0]?.waha_session, onAdded[0]?.phone_number, 'Plus names sessions by number');
  const full = await call('POST', `${gatewayUrl}/api/sessions`, {
    body: { phone_number: PHONE_E },
  });
  assert.equal(full.status, 503, 'every worker is full');
});

async function call(
  method: 'GET' | 'POST',
  url: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: unknown }> {
  const res = await request(url, {
    method,
    headers: { 'content-type': 'application/json', ...options.headers },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await res.body.text();
  return { status: res.statusCode, body: text ? JSON.parse(text) : undefined };
}
