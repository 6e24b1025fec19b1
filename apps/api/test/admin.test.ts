import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { makeCampaign, makeConnectedSender, makeWorker, settleMessages } from '@herald/testing';
import { startTestGateway, type TestGateway } from './support/gateway.ts';
import { call } from './support/http.ts';

let gw: TestGateway;
let campaignId: number;
let settled: { sent: number; failed: number };
const ACTIVE = '21650500001';
const WAITING = '21650500002';
const NO_SESSION = '21650500003';

const admin = (path: string) => call('GET', `${gw.url}${path}`, { headers: gw.adminHeaders });

before(async () => {
  gw = await startTestGateway();
  const worker = await makeWorker(gw.db, { name: 'w-1' });
  await makeWorker(gw.db, { healthy: false });
  await makeConnectedSender(gw.db, ACTIVE, { worker });
  await makeConnectedSender(gw.db, WAITING, { worker, status: 'WAITING_FOR_SCAN' });
  await gw.db.insertInto('senders').values({ phone_number: NO_SESSION }).execute();
  const campaign = await makeCampaign(gw.db, {
    sender: ACTIVE,
    recipients: ['21650599991', '21650599992', '21650599993', '21650599994'],
    body: 'hello',
  });
  campaignId = campaign.id;
  // One sent, one failed, one being sent, one waiting; counters moved as the ledger would.
  const [sent, failed, sending] = campaign.messageIds as [number, number, number, number];
  settled = { sent, failed };
  await settleMessages(gw.db, campaignId, [
    { messageId: sent, status: 'SENT' },
    { messageId: failed, status: 'FAILED' },
    { messageId: sending, status: 'SENDING' },
  ]);
});

after(() => gw.close());

test('admin monitoring needs the admin key', async () => {
  for (const path of [
    '/api/admin/metrics',
    '/api/admin/metrics/throughput',
    '/api/admin/users',
    '/api/admin/sessions',
    '/api/admin/session-numbers',
  ]) {
    const missing = await call('GET', `${gw.url}${path}`);
    assert.equal(missing.status, 401, path);
    const wrong = await call('GET', `${gw.url}${path}`, {
      headers: { 'X-Admin-Token': 'not-the-key-0123456789' },
    });
    assert.equal(wrong.status, 403, path);
  }
});

test('metrics count sessions, messages, campaigns, users and workers', async () => {
  const res = await admin('/api/admin/metrics');
  assert.equal(res.status, 200);
  const { server_uptime, ...counts } = res.body;
  assert.ok(Number.isInteger(server_uptime) && server_uptime >= 0);
  assert.deepEqual(counts, {
    active_sessions: 1,
    messages_sent_today: 1,
    current_queue_size: 2,
    total_campaigns: 1,
    total_users: 3,
    total_sessions: 2,
    workers_healthy: 1,
    workers_total: 2,
    messages_pending: 1,
    messages_sending: 1,
    messages_failed: 1,
    messages_unknown: 0,
    campaigns_in_progress: 1,
  });
});

test('users are sender numbers with their totals and session', async () => {
  const res = await admin('/api/admin/users');
  assert.equal(res.status, 200);
  assert.deepEqual(
    res.body.map((u: { phone_number: string }) => u.phone_number),
    [ACTIVE, WAITING, NO_SESSION],
  );
  const [active, waiting, none] = res.body;
  assert.equal(active.total_campaigns, 1);
  assert.equal(active.total_messages, 4);
  assert.equal(active.sent_messages, 1);
  assert.equal(active.failed_messages, 1);
  assert.equal(active.active_session, true);
  assert.equal(active.session_status, 'CONNECTED');
  assert.ok(active.last_campaign);
  assert.equal(waiting.active_session, false);
  assert.equal(waiting.session_status, 'WAITING_FOR_SCAN');
  assert.deepEqual(none, {
    phone_number: NO_SESSION,
    total_campaigns: 0,
    total_messages: 0,
    sent_messages: 0,
    failed_messages: 0,
    active_session: false,
    session_status: null,
    last_active: null,
    last_campaign: null,
  });
});

test('sessions list each number with its worker and expiry estimate', async () => {
  const res = await admin('/api/admin/sessions');
  assert.equal(res.status, 200);
  assert.equal(res.body.length, 2);
  const [active, waiting] = res.body;
  assert.equal(active.phone_number, ACTIVE);
  assert.equal(active.status, 'CONNECTED');
  assert.equal(active.waha_status, 'WORKING');
  assert.equal(active.worker_name, 'w-1');
  assert.equal(typeof active.worker_id, 'number');
  assert.equal(active.requires_auth, false);
  assert.equal(active.qr_code, null);
  assert.equal(active.qr_expiry, null);
  assert.equal(waiting.requires_auth, true);
});

test('session numbers lists the numbers that have a session', async () => {
  const res = await admin('/api/admin/session-numbers');
  assert.deepEqual(res.body, { count: 2, numbers: [ACTIVE, WAITING] });
});

test('every endpoint of this area is in the OpenAPI document', async () => {
  const doc = (await call('GET', `${gw.url}/openapi.json`)).body;
  const expected: [string, string][] = [
    ['/api/admin/metrics', 'get'],
    ['/api/admin/metrics/throughput', 'get'],
    ['/api/admin/users', 'get'],
    ['/api/admin/sessions', 'get'],
    ['/api/admin/session-numbers', 'get'],
    ['/api/admin/workers', 'post'],
    ['/api/admin/workers', 'get'],
    ['/api/admin/workers/cleanup', 'delete'],
    ['/api/admin/workers/{worker_id}', 'patch'],
    ['/api/admin/workers/{worker_id}', 'delete'],
    ['/api/sessions', 'post'],
    ['/api/sessions', 'get'],
    ['/api/sessions/{phone_number}', 'get'],
    ['/api/sessions/{phone_number}/qr', 'get'],
    ['/api/sessions/{sender_number}/status', 'get'],
    ['/api/sessions/{phone_number}', 'delete'],
    ['/api/webhooks/waha', 'post'],
    ['/api/webhook', 'post'],
  ];
  for (const [path, method] of expected) {
    const operation = doc.paths[path]?.[method];
    assert.ok(operation, `${method} ${path} is missing`);
    assert.ok(
      operation.responses['200'] ?? operation.responses['201'],
      `${method} ${path} has no success schema`,
    );
  }
  assert.ok(doc.components.schemas.Worker);
  assert.equal('api_key' in doc.components.schemas.Worker.properties, false);
});

test('throughput lists the last hour minute by minute, with each outcome where it settled', async () => {
  // Fixed settle times: one message 10 minutes ago, one outside the hour.
  const minuteMs = 60_000;
  const tenMinutesAgo = new Date(Date.now() - 10 * minuteMs);
  await gw.db
    .updateTable('messages')
    .set({ finished_at: tenMinutesAgo })
    .where('id', '=', settled.sent)
    .execute();
  await gw.db
    .updateTable('messages')
    .set({ finished_at: new Date(Date.now() - 90 * minuteMs) })
    .where('id', '=', settled.failed)
    .execute();
  const res = await admin('/api/admin/metrics/throughput');
  assert.equal(res.status, 200);
  const minutes = res.body.minutes as { minute: string; sent: number; failed: number }[];
  assert.equal(minutes.length, 60);
  assert.equal(res.body.since, minutes[0]?.minute);
  for (const [i, m] of minutes.entries()) {
    assert.equal(Date.parse(m.minute) - Date.parse(res.body.since), i * minuteMs, 'consecutive');
  }
  const bucket = new Date(Math.floor(tenMinutesAgo.getTime() / minuteMs) * minuteMs).toISOString();
  assert.deepEqual(
    minutes.filter((m) => m.sent + m.failed > 0),
    [{ minute: bucket, sent: 1, failed: 0, unknown: 0, suppressed: 0 }],
  );
});
