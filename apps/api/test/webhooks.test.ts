import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { makeCampaign, makeConnectedSender, makeWorker, turnJobs, waitFor } from '@herald/testing';
import type { RunningEmulator } from '@herald/waha-emulator';
import {
  createSession,
  postWebhook,
  registerEmulator,
  scanWhenReady,
  sign,
  startTestEmulator,
  TEST_HMAC_KEY,
  waitForStoredStatus,
} from './support/fleet.ts';
import { startTestGateway, type TestGateway } from './support/gateway.ts';
import { call } from './support/http.ts';

let gw: TestGateway;
let plus: RunningEmulator;
const SENDER = '21650300001';

async function sentMessage(wahaId: string, sender = SENDER) {
  const { messageIds } = await makeCampaign(gw.db, {
    sender,
    recipients: ['21650399999'],
    body: 'hi',
  });
  const id = messageIds[0] as number;
  await gw.db
    .updateTable('messages')
    .set({ status: 'SENT', waha_message_id: wahaId, sent_at: new Date() })
    .where('id', '=', id)
    .execute();
  return id;
}

const messageRow = (id: number) =>
  gw.db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

const sessionRow = (phone: string) =>
  gw.db
    .selectFrom('sessions')
    .selectAll()
    .where('phone_number', '=', phone)
    .executeTakeFirstOrThrow();

const ack = (id: string, level: number, session = SENDER) =>
  postWebhook(gw, {
    event: 'message.ack',
    session,
    metadata: { 'herald.phone': SENDER },
    payload: { id, from: `${SENDER}@c.us`, fromMe: true, ack: level },
  });

before(async () => {
  gw = await startTestGateway({ WEBHOOK_HMAC_KEY: TEST_HMAC_KEY });
  plus = await startTestEmulator({ tier: 'PLUS', ackDelaysMs: [300, 600, 900] });
  // A sender whose worker is not reachable: events are taken as they come.
  await makeConnectedSender(gw.db, SENDER, { worker: await makeWorker(gw.db) });
});

after(async () => {
  await gw.close();
  await plus.close();
});

test('rejects unsigned and wrongly signed webhooks with 401', async () => {
  const envelope = { event: 'message.ack', session: SENDER, payload: { id: 'x', ack: 2 } };
  const unsigned = await postWebhook(gw, envelope, { signature: null });
  assert.equal(unsigned.status, 401);
  assert.equal(unsigned.body.error.code, 'WEBHOOK_SIGNATURE_INVALID');
  const garbage = await postWebhook(gw, envelope, { signature: 'not-hex' });
  assert.equal(garbage.status, 401);
  const otherKey = await postWebhook(gw, envelope, { signature: sign('{"tampered":true}') });
  assert.equal(otherKey.status, 401);
  const raw = JSON.stringify(envelope);
  const wrongKey = await call('POST', `${gw.url}/api/webhooks/waha`, {
    rawBody: raw,
    headers: { 'X-Webhook-Hmac': sign(raw, 'another-key-0123456789') },
  });
  assert.equal(wrongKey.status, 401);
});

test('accepts signed events on both paths and ignores what it does not handle', async () => {
  const unknown = await postWebhook(gw, { event: 'presence.update', session: SENDER, payload: {} });
  assert.deepEqual([unknown.status, unknown.body], [200, { status: 'success' }]);
  const original = await postWebhook(
    gw,
    { event: 'message.ack', session: SENDER, payload: { id: 'true_1@c.us_NOPE', ack: 2 } },
    { path: '/api/webhook' },
  );
  assert.deepEqual([original.status, original.body], [200, { status: 'success' }]);
  const stranger = await postWebhook(gw, {
    event: 'session.status',
    session: 'other',
    payload: { status: 'WORKING' },
  });
  assert.equal(stranger.status, 200);
  const malformed = await postWebhook(gw, { session: SENDER, payload: {} });
  assert.equal(malformed.status, 400, 'signed but not an event');
});

test('acks only move forward', async () => {
  const wahaId = `true_21650399999@c.us_${Date.now()}A`;
  const id = await sentMessage(wahaId);
  await ack(wahaId, 1);
  let row = await messageRow(id);
  assert.equal(row.ack, 1);
  assert.equal(row.delivered_at, null);

  await ack(wahaId, 3);
  row = await messageRow(id);
  assert.equal(row.ack, 3);
  assert.ok(row.delivered_at, 'READ implies delivered');
  assert.ok(row.read_at);
  const { delivered_at, read_at } = row;

  for (const late of [2, 1, 0, -1]) await ack(wahaId, late);
  row = await messageRow(id);
  assert.equal(row.ack, 3);
  assert.deepEqual([row.delivered_at, row.read_at], [delivered_at, read_at]);
  assert.equal(row.status, 'SENT', 'acks never change the ledger status');
});

test('an ERROR ack is recorded only in ack, and a later delivery still counts', async () => {
  const wahaId = `true_21650399999@c.us_${Date.now()}B`;
  const id = await sentMessage(wahaId);
  await ack(wahaId, -1);
  let row = await messageRow(id);
  assert.equal(row.ack, -1);
  assert.equal(row.delivered_at, null);
  await ack(wahaId, 2);
  row = await messageRow(id);
  assert.equal(row.ack, 2);
  assert.ok(row.delivered_at);
  assert.equal(row.read_at, null);
});

test('a status event from an unreachable worker is applied as told, and CONNECTED queues a turn', async () => {
  const phone = '21650300002';
  await makeConnectedSender(gw.db, phone, {
    worker: await makeWorker(gw.db, { tier: 'CORE' }),
    status: 'WAITING_FOR_SCAN',
  });
  await gw.db
    .updateTable('sessions')
    .set({ connected_at: null, me_id: null })
    .where('phone_number', '=', phone)
    .execute();
  // Core names every session `default`: the metadata says whose it is.
  const res = await postWebhook(gw, {
    event: 'session.status',
    session: 'default',
    metadata: { 'herald.phone': phone },
    me: { id: `${phone}@c.us`, pushName: 'Shop' },
    payload: { name: 'default', status: 'WORKING', statuses: [] },
  });
  assert.equal(res.status, 200);
  const row = await sessionRow(phone);
  assert.equal(row.status, 'CONNECTED');
  assert.equal(row.me_id, `${phone}@c.us`);
  assert.equal(row.push_name, 'Shop');
  assert.ok(row.connected_at);
  assert.equal((await turnJobs(gw.boss, phone)).length, 1);
});

test('a status event older than the session’s last change cannot move it back when its worker does not answer', async () => {
  const phone = '21650300004';
  await makeConnectedSender(gw.db, phone, { worker: await makeWorker(gw.db) });
  const connected = await sessionRow(phone);
  const qrEvent = (timestamp: number) =>
    postWebhook(gw, {
      event: 'session.status',
      timestamp,
      session: phone,
      metadata: { 'herald.phone': phone },
      payload: { name: phone, status: 'SCAN_QR_CODE' },
    });

  // A retry of the QR shown before the scan, delivered after WORKING.
  const stale = await qrEvent(connected.status_changed_at.getTime() - 5_000);
  assert.equal(stale.status, 200);
  const kept = await sessionRow(phone);
  assert.equal(kept.status, 'CONNECTED');
  assert.equal(kept.me_id, connected.me_id);
  assert.deepEqual(kept.connected_at, connected.connected_at);
  assert.deepEqual(kept.status_changed_at, connected.status_changed_at);

  // A QR shown after the last change means the device was unlinked.
  await qrEvent(connected.status_changed_at.getTime() + 1_000);
  const unlinked = await sessionRow(phone);
  assert.equal(unlinked.status, 'WAITING_FOR_SCAN');
  assert.equal(unlinked.connected_at, null);
});

test('real WAHA events: signed acks of a send and the phone’s own messages', async () => {
  await registerEmulator(gw, plus);
  const phone = '21650300003';
  assert.equal((await createSession(gw, phone)).status, 201);
  await scanWhenReady(plus, phone, phone);
  const connected = await waitForStoredStatus(gw, phone, 'CONNECTED');

  // A send through WAHA's API (as the dispatcher does): its message.any is not phone activity.
  const sent = await call('POST', `${plus.url}/api/sendText`, {
    headers: { 'X-Api-Key': plus.apiKey ?? '' },
    body: { session: phone, chatId: '21650399998@c.us', text: 'hello' },
  });
  assert.equal(sent.status, 201);
  const wahaId = plus.messages().at(-1)?.id as string;
  const id = await sentMessage(wahaId, phone);
  const acked = await waitFor(async () => {
    const row = await messageRow(id);
    return row.ack === 3 ? row : null;
  });
  assert.ok(acked.delivered_at && acked.read_at);
  assert.deepEqual((await sessionRow(phone)).phone_active_at, connected.phone_active_at);

  // A message typed on the phone restarts the phone's clock.
  plus.phoneMessage(phone, '21650399997', 'typed on the phone');
  await waitFor(async () => {
    const row = await sessionRow(phone);
    return (row.phone_active_at?.getTime() ?? 0) > (connected.phone_active_at?.getTime() ?? 0);
  });
});

test('a fromMe message that Herald sent, or that is not from the account, is not phone activity', async () => {
  const before = (await sessionRow(SENDER)).phone_active_at;
  const wahaId = `true_21650399999@c.us_${Date.now()}C`;
  await sentMessage(wahaId);
  const events = [
    { id: wahaId, fromMe: true, to: '21650399999@c.us', source: 'app' },
    { id: 'true_x@c.us_API', fromMe: true, to: '21650399999@c.us', source: 'api' },
    { id: 'false_x@c.us_IN', fromMe: false, to: `${SENDER}@c.us` },
  ];
  for (const payload of events) {
    const res = await postWebhook(gw, { event: 'message.any', session: SENDER, payload });
    assert.equal(res.status, 200);
  }
  assert.deepEqual((await sessionRow(SENDER)).phone_active_at, before);
  await postWebhook(gw, {
    event: 'message.any',
    session: SENDER,
    payload: { id: 'true_y@c.us_PHONE', fromMe: true, to: '21650399990@c.us', source: 'app' },
  });
  assert.ok((await sessionRow(SENDER)).phone_active_at);
});

test('a replayed old phone event does not move the phone-activity clock forward', async () => {
  const phone = '21650300009';
  await makeConnectedSender(gw.db, phone, { worker: await makeWorker(gw.db) });
  const tenDaysAgo = Date.now() - 10 * 86_400_000;
  await gw.db
    .updateTable('sessions')
    .set({ phone_active_at: new Date(tenDaysAgo) })
    .where('phone_number', '=', phone)
    .execute();
  const payload = { id: 'true_z@c.us_OLD', fromMe: true, to: '21650399991@c.us', source: 'app' };
  // Captured when it was sent, twenty days ago, and posted again now with its valid signature.
  const replayed = {
    event: 'message.any',
    session: phone,
    payload,
    timestamp: tenDaysAgo - 10 * 86_400_000,
  };
  assert.equal((await postWebhook(gw, replayed)).status, 200);
  assert.equal((await sessionRow(phone)).phone_active_at?.getTime(), tenDaysAgo);

  const fresh = { ...replayed, timestamp: Date.now() - 1000 };
  assert.equal((await postWebhook(gw, fresh)).status, 200);
  assert.ok(((await sessionRow(phone)).phone_active_at?.getTime() ?? 0) > tenDaysAgo);
});
