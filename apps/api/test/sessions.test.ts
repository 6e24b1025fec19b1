import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SENDER_TURN_QUEUE } from '@herald/domain';
import { queuedTurns, waitFor } from '@herald/testing';
import type { RunningEmulator } from '@herald/waha-emulator';
import {
  createSession,
  getSession,
  registerEmulator,
  scanWhenReady,
  startTestEmulator,
  TEST_HMAC_KEY,
  waitForStoredStatus,
} from './support/fleet.ts';
import { startTestGateway, type TestGateway } from './support/gateway.ts';
import { call } from './support/http.ts';

let gw: TestGateway;
let plus: RunningEmulator;

const OWNER = '21650100001';

/** Sender turns queued for a number (pg-boss keeps one per sender). */
const queuedTurnCount = async (phone: string) => (await queuedTurns(gw.boss, phone)).length;

const clearTurns = () => gw.boss.deleteAllJobs(SENDER_TURN_QUEUE);

before(async () => {
  gw = await startTestGateway({ WEBHOOK_HMAC_KEY: TEST_HMAC_KEY, QR_TTL_SECONDS: '30' });
  plus = await startTestEmulator({ tier: 'PLUS' });
});

after(async () => {
  await gw.close();
  await plus.close();
});

test('without any worker a new session gets 503 NO_CAPACITY', async () => {
  const res = await createSession(gw, OWNER);
  assert.equal(res.status, 503);
  assert.equal(res.body.error.code, 'NO_CAPACITY');
  assert.equal((await getSession(gw, OWNER)).status, 404, 'nothing is left behind');
});

test('rejects a phone number that is not one', async () => {
  const bad = await createSession(gw, '12ab');
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.code, 'INVALID_PHONE_NUMBER');
  const missing = await call('POST', `${gw.url}/api/sessions`, { body: {} });
  assert.equal(missing.status, 400);
  assert.equal(missing.body.error.code, 'VALIDATION_FAILED');
  assert.equal((await getSession(gw, 'x1')).status, 400);
});

test('a path that cannot be percent-decoded is a 400, not a 500', async () => {
  const res = await call('GET', `${gw.url}/api/sessions/%E0%A4%A`);
  assert.equal(res.status, 400);
  assert.equal(res.body.error.code, 'MALFORMED_URL');
});

test('creates a session on a worker, configured with its number and signed webhooks', async () => {
  const worker = await registerEmulator(gw, plus);
  const res = await createSession(gw, '+216 50 100 001');
  assert.equal(res.status, 201);
  assert.equal(res.body.phone_number, OWNER);
  assert.ok(['STARTING', 'WAITING_FOR_SCAN'].includes(res.body.status));
  assert.equal(res.body.message, 'OK');
  assert.deepEqual(res.body.worker, { id: worker.id, name: null, url: null });
  assert.match(res.body.sender_token, /^[\w-]{43}$/, 'a new pairing hands out a token');
  const asAdmin = await call('GET', `${gw.url}/api/sessions/${OWNER}`, {
    headers: gw.adminHeaders,
  });
  assert.deepEqual(
    asAdmin.body.worker,
    { id: worker.id, name: worker.name, url: plus.url },
    'worker names and URLs are for admins only',
  );
  assert.equal(res.body.waha_session, OWNER, 'Plus sessions are named after the number');
  assert.equal(res.body.requires_auth, true, 'a QR scan is needed');
  assert.equal(res.body.expires_at, null);
  assert.equal(res.body.me, null);

  const onWorker = await call('GET', `${plus.url}/api/sessions/${OWNER}`, {
    headers: { 'X-Api-Key': plus.apiKey ?? '' },
  });
  assert.deepEqual(onWorker.body.config.metadata, { 'herald.phone': OWNER });
  // NOWEB keeps its message store, so WAHA can say what became of an UNKNOWN send.
  assert.deepEqual(onWorker.body.config.noweb, { store: { enabled: true, fullSync: false } });
  const [hook] = onWorker.body.config.webhooks;
  assert.equal(hook.url, `${gw.url}/api/webhooks/waha`);
  assert.deepEqual(hook.events, ['session.status', 'message', 'message.any', 'message.ack']);
  assert.equal(hook.hmac.key, TEST_HMAC_KEY);
  assert.equal(
    JSON.stringify(res.body).includes(TEST_HMAC_KEY),
    false,
    'the HMAC key is not echoed',
  );
});

test('serves the QR code as a base64 PNG while the session waits for a scan', async () => {
  const before = Date.now();
  const res = await call('GET', `${gw.url}/api/sessions/${OWNER}/qr`);
  assert.equal(res.status, 200);
  assert.equal(res.body.status, 'WAITING_FOR_SCAN');
  assert.equal(res.body.message, null);
  const png = Buffer.from(res.body.qr_code, 'base64');
  assert.deepEqual([...png.subarray(1, 4)], [...Buffer.from('PNG')]);
  const expires = Date.parse(res.body.expires_at);
  assert.ok(
    expires >= before + 29_000 && expires <= Date.now() + 31_000,
    'expires after QR_TTL_SECONDS',
  );

  const status = await call('GET', `${gw.url}/api/sessions/${OWNER}/status`);
  assert.deepEqual(status.body, {
    phone_number: OWNER,
    status: 'saved in DB',
    session_status: 'WAITING_FOR_SCAN',
  });
});

test('a scan connects the session through its webhook and queues the sender’s turn', async () => {
  await clearTurns();
  await scanWhenReady(plus, OWNER, OWNER);
  await waitForStoredStatus(gw, OWNER, 'CONNECTED');
  // Enqueued right after the status commits.
  await waitFor(async () => (await queuedTurnCount(OWNER)) === 1, { what: 'the sender’s turn' });

  const res = await getSession(gw, OWNER);
  assert.equal(res.status, 200);
  assert.equal(res.body.status, 'CONNECTED');
  assert.equal(res.body.waha_status, 'WORKING');
  assert.deepEqual(res.body.me, { id: `${OWNER}@c.us`, push_name: `Emulated ${OWNER}` });
  assert.ok(res.body.connected_at);
  assert.equal(res.body.last_active, res.body.connected_at, 'the scan is phone activity');
  assert.equal(
    Date.parse(res.body.expires_at) - Date.parse(res.body.connected_at),
    14 * 86_400_000,
  );
  assert.equal(res.body.requires_auth, false);
  assert.equal(res.body.expiry_warning, false);
  assert.equal(res.body.data, null, "WAHA's own object is for admins only");
  const asAdmin = await call('GET', `${gw.url}/api/sessions/${OWNER}`, {
    headers: gw.adminHeaders,
  });
  assert.equal(asAdmin.body.data.status, 'WORKING', 'read live from the worker');
  assert.equal('config' in asAdmin.body.data, false);

  const qr = await call('GET', `${gw.url}/api/sessions/${OWNER}/qr`);
  assert.deepEqual(qr.body, { status: 'CONNECTED' });
  const status = await call('GET', `${gw.url}/api/sessions/${OWNER}/status`);
  assert.equal(status.body.status, 'active in memory');
  assert.equal(status.body.session_status, 'CONNECTED');
});

test('asking again for a connected number answers its state without touching it', async () => {
  const res = await createSession(gw, OWNER);
  assert.equal(res.status, 200);
  assert.equal(res.body.status, 'CONNECTED');
  assert.equal(plus.sessions().filter((s) => s.name === OWNER).length, 1);
});

test('a worker that stops answering leaves the session DISCONNECTED until it is back', async () => {
  await plus.goOffline();
  try {
    const res = await getSession(gw, OWNER);
    assert.equal(res.status, 200);
    assert.equal(res.body.status, 'DISCONNECTED');
    assert.equal(res.body.data, null);
    const qr = await call('GET', `${gw.url}/api/sessions/${OWNER}/qr`);
    assert.equal(qr.status, 503);
    assert.equal(qr.body.error.code, 'WORKER_UNAVAILABLE');
    const status = await call('GET', `${gw.url}/api/sessions/${OWNER}/status`);
    assert.equal(status.body.status, 'saved in DB');
  } finally {
    await plus.goOnline();
  }
  await clearTurns();
  const back = await getSession(gw, OWNER);
  assert.equal(back.body.status, 'CONNECTED');
  assert.equal(await queuedTurnCount(OWNER), 1, 'sending resumes');
});

test('a QR scanned by another account ends WRONG_ACCOUNT and logged out; asking again gives a new QR', async () => {
  const phone = '21650100002';
  const created = await createSession(gw, phone);
  assert.equal(created.status, 201);
  await scanWhenReady(plus, phone, '21650100999');
  const failed = await waitForStoredStatus(gw, phone, 'WRONG_ACCOUNT');
  assert.match(failed.last_error ?? '', /21650100999 scanned this session/);
  // Herald logs the other account out at once: nothing can be done through it.
  await waitFor(() => plus.sessions().find((s) => s.name === phone)?.status !== 'WORKING', {
    what: 'the wrongly scanned session to be logged out',
  });
  const res = await getSession(gw, phone);
  assert.equal(res.body.status, 'WRONG_ACCOUNT', 'the logout that follows keeps it explained');
  assert.equal(res.body.requires_auth, true);

  const qr = await call('GET', `${gw.url}/api/sessions/${phone}/qr`);
  assert.equal(qr.status, 409);
  assert.equal(qr.body.error.code, 'SESSION_NEEDS_RESTART');
  assert.match(qr.body.error.message, /POST \/api\/sessions/);

  const again = await createSession(gw, phone);
  assert.equal(again.status, 200);
  assert.equal(again.body.me, null, 'the other account is forgotten');
  assert.ok(again.body.sender_token, 'a new pairing rotates the token');
  assert.notEqual(again.body.sender_token, created.body.sender_token);
  await scanWhenReady(plus, phone, phone);
  await waitForStoredStatus(gw, phone, 'CONNECTED');
});

test('a logout from the phone expires the session until it is scanned again', async () => {
  plus.logout(OWNER);
  const expired = await waitForStoredStatus(gw, OWNER, 'EXPIRED');
  assert.match(expired.last_error ?? '', /logged this device out/);
  const res = await getSession(gw, OWNER);
  assert.equal(res.body.requires_auth, true);
  assert.equal((await call('GET', `${gw.url}/api/sessions/${OWNER}/qr`)).status, 409);

  const again = await createSession(gw, OWNER);
  assert.equal(again.status, 200);
  assert.equal(again.body.connected_at, null, 'a new pairing');
  const qr = await waitFor(async () => {
    const r = await call('GET', `${gw.url}/api/sessions/${OWNER}/qr`);
    return r.status === 200 ? r : null;
  });
  assert.equal(qr.body.status, 'WAITING_FOR_SCAN');
  await scanWhenReady(plus, OWNER, OWNER);
  await waitForStoredStatus(gw, OWNER, 'CONNECTED');
});

test('lists sessions for admins only', async () => {
  const denied = await call('GET', `${gw.url}/api/sessions`);
  assert.equal(denied.status, 401);
  const res = await call('GET', `${gw.url}/api/sessions`, { headers: gw.adminHeaders });
  assert.equal(res.status, 200);
  assert.deepEqual(
    res.body.map((s: { phone_number: string }) => s.phone_number),
    [OWNER, '21650100002'],
  );
});

test('an admin deletes a session: logged out on its worker and its slot freed', async () => {
  const denied = await call('DELETE', `${gw.url}/api/sessions/${OWNER}`);
  assert.equal(denied.status, 401);
  const res = await call('DELETE', `${gw.url}/api/sessions/${OWNER}`, { headers: gw.adminHeaders });
  assert.equal(res.status, 200);
  assert.equal(res.body.phone_number, OWNER);
  assert.equal(res.body.status, 'DELETED');
  assert.ok(res.body.message);
  assert.equal(
    plus.sessions().find((s) => s.name === OWNER),
    undefined,
  );
  assert.equal((await getSession(gw, OWNER)).status, 404);
  assert.equal((await getSession(gw, OWNER)).body.error.code, 'SESSION_NOT_FOUND');
  assert.equal((await call('GET', `${gw.url}/api/sessions/${OWNER}/qr`)).status, 404);
  const status = await call('GET', `${gw.url}/api/sessions/${OWNER}/status`);
  assert.deepEqual(status.body, { phone_number: OWNER, status: 'not found', session_status: null });
  const again = await call('DELETE', `${gw.url}/api/sessions/${OWNER}`, {
    headers: gw.adminHeaders,
  });
  assert.equal(again.status, 404);
  const workers = await call('GET', `${gw.url}/api/admin/workers`, { headers: gw.adminHeaders });
  assert.equal(workers.body[0].sessions, 1);
});
