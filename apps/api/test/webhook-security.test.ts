import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { makeCampaign, makeConnectedSender, makeWorker } from '@herald/testing';
import { postWebhook, sign, TEST_HMAC_KEY } from './support/fleet.ts';
import { startTestGateway, type TestGateway } from './support/gateway.ts';
import { call } from './support/http.ts';

// WAHA's webhook route is open to the network: the body is bounded and its HMAC checked before
// it is parsed, and a signed event is applied once, only while it is fresh.
let gw: TestGateway;
const SENDER = '21650300101';

before(async () => {
  gw = await startTestGateway({ WEBHOOK_HMAC_KEY: TEST_HMAC_KEY, WEBHOOK_BODY_LIMIT: '64kb' });
  await makeConnectedSender(gw.db, SENDER, { worker: await makeWorker(gw.db) });
});
after(() => gw.close());

const sessionRow = () =>
  gw.db
    .selectFrom('sessions')
    .selectAll()
    .where('phone_number', '=', SENDER)
    .executeTakeFirstOrThrow();

async function sentMessage(wahaId: string) {
  const { messageIds } = await makeCampaign(gw.db, {
    sender: SENDER,
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

const phoneEvent = (overrides: Record<string, unknown> = {}) => ({
  id: `evt_${randomUUID()}`,
  timestamp: Date.now(),
  event: 'message.any',
  session: SENDER,
  payload: {
    id: `true_x@c.us_${randomUUID()}`,
    fromMe: true,
    to: '21650399990@c.us',
    source: 'app',
  },
  ...overrides,
});

async function resetPhoneClock() {
  await gw.db
    .updateTable('sessions')
    .set({ phone_active_at: null })
    .where('phone_number', '=', SENDER)
    .execute();
}

test('a body over the webhook limit is refused before its signature or JSON is read', async () => {
  const raw = JSON.stringify({ ...phoneEvent(), padding: 'x'.repeat(100 * 1024) });
  const res = await call('POST', `${gw.url}/api/webhooks/waha`, {
    rawBody: raw,
    headers: { 'X-Webhook-Hmac': sign(raw) },
  });
  assert.equal(res.status, 413);
  assert.equal(res.body.error.code, 'PAYLOAD_TOO_LARGE');
  // Unsigned junk is a 401, never a description of what Herald expected.
  const junk = await call('POST', `${gw.url}/api/webhooks/waha`, { rawBody: '{"event": 1' });
  assert.equal(junk.status, 401);
  assert.equal(junk.body.error.code, 'WEBHOOK_SIGNATURE_INVALID');
});

test('the same signed event posted twice is applied once', async () => {
  await resetPhoneClock();
  const event = phoneEvent();
  assert.equal((await postWebhook(gw, event)).status, 200);
  assert.ok((await sessionRow()).phone_active_at, 'the first copy is applied');
  await resetPhoneClock();
  assert.equal((await postWebhook(gw, event)).status, 200);
  assert.equal((await sessionRow()).phone_active_at, null, 'the copy is ignored');
  const stored = await gw.db
    .selectFrom('waha_webhook_events')
    .select('event_id')
    .where('event_id', '=', event.id)
    .execute();
  assert.equal(stored.length, 1, 'the id is kept in Postgres, shared by every gateway');
});

test('events outside the time window are ignored, whatever their type', async () => {
  const wahaId = `true_21650399999@c.us_${randomUUID()}`;
  const messageId = await sentMessage(wahaId);
  const before = await sessionRow();
  for (const timestamp of [Date.now() - 3_600_000, Date.now() + 3_600_000]) {
    await resetPhoneClock();
    const events = [
      phoneEvent({ timestamp }),
      phoneEvent({ timestamp, event: 'message.ack', payload: { id: wahaId, ack: 3 } }),
      phoneEvent({
        timestamp,
        event: 'session.status',
        metadata: { 'herald.phone': SENDER },
        payload: { name: SENDER, status: 'SCAN_QR_CODE' },
      }),
    ];
    for (const event of events) assert.equal((await postWebhook(gw, event)).status, 200);
    const row = await sessionRow();
    assert.equal(row.phone_active_at, null);
    assert.equal(row.status, before.status);
    const message = await gw.db
      .selectFrom('messages')
      .select(['ack', 'read_at'])
      .where('id', '=', messageId)
      .executeTakeFirstOrThrow();
    assert.equal(message.read_at, null);
  }
  // The same ack, fresh, is applied: the test can tell.
  await postWebhook(gw, phoneEvent({ event: 'message.ack', payload: { id: wahaId, ack: 3 } }));
  const acked = await gw.db
    .selectFrom('messages')
    .select('read_at')
    .where('id', '=', messageId)
    .executeTakeFirstOrThrow();
  assert.ok(acked.read_at);
});

test('an event without an id or a timestamp is not applied', async () => {
  await resetPhoneClock();
  const { id: _id, ...noId } = phoneEvent();
  const raw = JSON.stringify(noId);
  const res = await call('POST', `${gw.url}/api/webhooks/waha`, {
    rawBody: raw,
    headers: { 'X-Webhook-Hmac': sign(raw) },
  });
  assert.equal(res.status, 200);
  assert.equal((await sessionRow()).phone_active_at, null);
});
