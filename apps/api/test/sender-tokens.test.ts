import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import { makeCampaign } from '@herald/db/testing';
import type { RunningEmulator } from '@herald/waha-emulator';
import {
  createSession,
  registerEmulator,
  scanWhenReady,
  startTestEmulator,
  waitForQr,
  waitForStoredStatus,
} from './support/fleet.ts';
import { startTestGateway, type TestGateway } from './support/gateway.ts';
import { call } from './support/http.ts';

let open: TestGateway;
let tokenMode: TestGateway;
let worker: RunningEmulator;
let tokenWorker: RunningEmulator;

before(async () => {
  [open, tokenMode, worker, tokenWorker] = await Promise.all([
    startTestGateway(),
    startTestGateway({ USER_AUTH: 'token' }),
    startTestEmulator({ statusWaitMs: 2000 }),
    startTestEmulator({ statusWaitMs: 2000 }),
  ]);
  await registerEmulator(open, worker);
  await registerEmulator(tokenMode, tokenWorker);
});

after(async () => {
  await Promise.all([worker.close(), tokenWorker.close()]);
  await Promise.all([open.close(), tokenMode.close()]);
});

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

test('a new session hands out its sender token once, and only its SHA-256 is stored', async () => {
  const phone = '21650200001';
  const created = await createSession(open, phone);
  assert.equal(created.status, 201);
  const token: string = created.body.sender_token;
  assert.match(token, /^[\w-]{43}$/, '32 random bytes');
  const rows = await open.db.selectFrom('sender_tokens').selectAll().execute();
  assert.deepEqual(
    rows.map((r) => [r.phone_number, r.token_sha256]),
    [[phone, sha256(token)]],
  );
  const again = await createSession(open, phone);
  assert.equal(again.status, 200);
  assert.equal(again.body.sender_token, undefined, 'shown once: not to a second caller');
});

test('open mode accepts requests without a token but checks any token presented', async () => {
  const anonymous = await call('GET', `${open.url}/api/campaigns?sender_number=21650200001`);
  assert.equal(anonymous.status, 200);
  for (const headers of [bearer('not-a-token'), { 'X-Sender-Token': 'not-a-token' }]) {
    const res = await call('GET', `${open.url}/api/campaigns?sender_number=21650200001`, {
      headers,
    });
    assert.equal(res.status, 401);
    assert.equal(res.body.error.code, 'SENDER_TOKEN_INVALID');
  }
});

test('a connected number never hands a new token to a caller without the current one', async () => {
  const phone = '21650200002';
  const token: string = (await createSession(open, phone)).body.sender_token;
  await scanWhenReady(worker, phone, phone);
  await waitForStoredStatus(open, phone, 'CONNECTED');

  const stranger = await createSession(open, phone);
  assert.equal(stranger.status, 200);
  assert.equal(stranger.body.status, 'CONNECTED', 'left as it is');
  assert.equal(stranger.body.sender_token, undefined);
  const holder = await createSession(open, phone, token);
  assert.equal(holder.status, 200);
  assert.equal(holder.body.sender_token, undefined, 'no new pairing, no new token');
  const stillValid = await call('GET', `${open.url}/api/sessions/${phone}`, {
    headers: bearer(token),
  });
  assert.equal(stillValid.status, 200);
});

test('a session stopped before any scan is paired again by anyone, with a new token', async () => {
  const phone = '21650200004';
  const first: string = (await createSession(open, phone)).body.sender_token;
  await waitForQr(worker, phone);
  // Stopped on its worker, as the reconciler does with a QR nobody scanned in time.
  const stopped = await call('POST', `${worker.url}/api/sessions/${phone}/stop`, {
    headers: { 'X-Api-Key': worker.apiKey ?? '' },
  });
  assert.equal(stopped.status, 201);
  await waitForStoredStatus(open, phone, 'STOPPED');
  const again = await createSession(open, phone);
  assert.equal(again.status, 200);
  assert.ok(again.body.sender_token, 'a new pairing brings a new token');
  assert.notEqual(again.body.sender_token, first);
  await waitForQr(worker, phone);
});

test('an admin rotates a token (the old one stops working) and revokes it', async () => {
  const phone = '21650200003';
  const old: string = (await createSession(open, phone)).body.sender_token;
  const path = `${open.url}/api/admin/sessions/${phone}/token`;
  assert.equal((await call('POST', path)).status, 401, 'admins only');
  const rotated = await call('POST', path, { headers: open.adminHeaders });
  assert.equal(rotated.status, 200);
  const fresh: string = rotated.body.sender_token;
  assert.notEqual(fresh, old);
  const read = (token: string) =>
    call('GET', `${open.url}/api/sessions/${phone}`, { headers: bearer(token) });
  assert.equal((await read(old)).status, 401);
  assert.equal((await read(fresh)).status, 200);

  const revoked = await call('DELETE', path, { headers: open.adminHeaders });
  assert.deepEqual(revoked.body, { phone_number: phone, revoked: true });
  assert.equal((await read(fresh)).status, 401);
  const none = await call('DELETE', path, { headers: open.adminHeaders });
  assert.equal(none.body.revoked, false);
  const missing = await call('POST', `${open.url}/api/admin/sessions/21650299999/token`, {
    headers: open.adminHeaders,
  });
  assert.equal(missing.status, 404);
});

test('token mode requires the sender token on every user endpoint', async () => {
  const unauthenticated = [
    call('GET', `${tokenMode.url}/api/campaigns?sender_number=21650300001`),
    call('GET', `${tokenMode.url}/api/status/1?sender_number=21650300001`),
    call('GET', `${tokenMode.url}/api/sessions/21650300001`),
    call('GET', `${tokenMode.url}/api/sessions/21650300001/qr`),
    call('GET', `${tokenMode.url}/api/sessions/21650300001/status`),
    call('POST', `${tokenMode.url}/api/send`, {
      body: { sender_number: '21650300001', recipients: ['21650300009'], template: 'Hi' },
    }),
  ];
  for (const res of await Promise.all(unauthenticated)) {
    assert.equal(res.status, 401);
    assert.equal(res.body.error.code, 'SENDER_TOKEN_REQUIRED');
  }
  // The one way in: a number without a token gets one with its session.
  const created = await createSession(tokenMode, '21650300001');
  assert.equal(created.status, 201);
  assert.ok(created.body.sender_token);
  // Its pairing under way is the holder's: nobody else may restart it or take a token.
  const stranger = await createSession(tokenMode, '21650300001');
  assert.equal(stranger.status, 401);
  assert.equal(stranger.body.error.code, 'SENDER_TOKEN_REQUIRED');
});

test("token mode: another sender's session, QR and campaigns answer as missing ones do", async () => {
  const a = '21650300011';
  const b = '21650300012';
  const tokenA: string = (await createSession(tokenMode, a)).body.sender_token;
  const tokenB: string = (await createSession(tokenMode, b)).body.sender_token;
  const asA = { headers: bearer(tokenA) };
  const campaignOfB = await makeCampaign(tokenMode.db, {
    sender: b,
    recipients: ['21650300099'],
    body: 'private text',
  });

  const other = await call('GET', `${tokenMode.url}/api/sessions/${b}`, asA);
  const missing = await call('GET', `${tokenMode.url}/api/sessions/21650300019`, asA);
  assert.equal(other.status, 404);
  assert.equal(other.body.error.code, missing.body.error.code);
  assert.equal((await call('GET', `${tokenMode.url}/api/sessions/${b}/qr`, asA)).status, 404);
  const presence = await call('GET', `${tokenMode.url}/api/sessions/${b}/status`, asA);
  assert.equal(presence.body.status, 'not found');

  const status = await call('GET', `${tokenMode.url}/api/status/${campaignOfB.id}`, asA);
  const noSuch = await call('GET', `${tokenMode.url}/api/status/999999`, asA);
  assert.equal(status.status, 404);
  assert.equal(status.body.error.code, noSuch.body.error.code);
  const list = await call('GET', `${tokenMode.url}/api/campaigns?sender_number=${b}`, asA);
  assert.deepEqual(list.body, []);
  const own = await call('GET', `${tokenMode.url}/api/status/${campaignOfB.id}`, {
    headers: bearer(tokenB),
  });
  assert.equal(own.status, 200, 'the owner sees it');

  const send = await call('POST', `${tokenMode.url}/api/send`, {
    ...asA,
    body: { sender_number: b, recipients: ['21650300098'], template: 'Hi' },
  });
  assert.equal(send.status, 403);
  assert.equal(send.body.error.code, 'SENDER_TOKEN_MISMATCH');
});

test('token mode: the QR code goes to the token holder only', async () => {
  const phone = '21650300021';
  const token: string = (await createSession(tokenMode, phone)).body.sender_token;
  await waitForQr(tokenWorker, phone);
  const qr = await call('GET', `${tokenMode.url}/api/sessions/${phone}/qr`, {
    headers: { 'X-Sender-Token': token },
  });
  assert.equal(qr.status, 200);
  assert.equal(qr.body.status, 'WAITING_FOR_SCAN');
  assert.ok(qr.body.qr_code);
  assert.equal((await call('GET', `${tokenMode.url}/api/sessions/${phone}/qr`)).status, 401);
});

test('users get no internal details of a worker failure; admins do', async () => {
  const down = await startTestEmulator();
  const gw = await startTestGateway();
  try {
    await registerEmulator(gw, down);
    await down.goOffline();
    const user = await createSession(gw, '21650400001');
    assert.equal(user.status, 503);
    assert.equal(user.body.error.code, 'WORKER_UNAVAILABLE');
    assert.equal(user.body.error.details, undefined);
    await gw.db.updateTable('workers').set({ healthy: true }).execute();
    const admin = await call('POST', `${gw.url}/api/sessions`, {
      headers: gw.adminHeaders,
      body: { phone_number: '21650400002' },
    });
    assert.equal(admin.status, 503);
    assert.ok(admin.body.error.details.attempts, 'which workers failed, and how');
  } finally {
    await down.close();
    await gw.close();
  }
});
