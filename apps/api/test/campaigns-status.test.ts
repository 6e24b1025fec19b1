import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SENDER_A, SENDER_B, seedCampaigns } from './support/campaign-seed.ts';
import { startTestGateway, type TestGateway } from './support/gateway.ts';
import { call } from './support/http.ts';

let gw: TestGateway;
let ids: Awaited<ReturnType<typeof seedCampaigns>>;
const A = SENDER_A;
const B = SENDER_B;

before(async () => {
  gw = await startTestGateway();
  ids = await seedCampaigns(gw);
});
after(() => gw.close());

const get = (path: string, headers: Record<string, string> = {}) =>
  call('GET', `${gw.url}${path}`, { headers });

describe('GET /api/status/{campaign_id}', () => {
  test("shows a sender its campaign's counters and progress, without messages by default", async () => {
    const res = await get(`/api/status/${ids.a1}?sender_number=${A}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const body = res.body;
    assert.equal(body.id, ids.a1);
    assert.equal(body.status, 'IN_PROGRESS');
    assert.equal(body.sender_number, A);
    assert.deepEqual(
      [
        body.total_messages,
        body.pending_messages,
        body.sending_messages,
        body.sent_messages,
        body.failed_messages,
        body.unknown_messages,
      ],
      [4, 1, 0, 2, 1, 0],
    );
    assert.equal(body.progress, 75);
    assert.equal(body.created_at, '2024-01-15T10:00:00.000Z');
    assert.equal(body.started_at, '2024-01-15T10:00:05.000Z');
    assert.equal(body.completed_at, null);
    assert.equal(body.template, '{{greeting}} from a1');
    assert.equal(body.media_url, null);
    assert.equal(body.messages, null);
  });

  test('lists the rendered messages with details=true, paginated on request', async () => {
    const all = await get(`/api/status/${ids.a1}?sender_number=${A}&details=true`);
    assert.equal(all.status, 200);
    assert.equal(all.body.messages.length, 4);
    const first = all.body.messages[0];
    assert.deepEqual(Object.keys(first).sort(), [
      'ack',
      'attempts',
      'campaign_id',
      'delivered_at',
      'error',
      'error_code',
      'id',
      'media_url',
      'message',
      'read_at',
      'recipient',
      'sent_at',
      'status',
      'waha_message_id',
    ]);
    assert.equal(first.campaign_id, ids.a1);
    assert.equal(first.recipient, '21698000001');
    assert.equal(first.message, 'Hi from a1');
    // Rows and counters agree: two sent, one failed, one pending.
    assert.deepEqual(
      all.body.messages.map((m: { status: string }) => m.status),
      ['SENT', 'SENT', 'FAILED', 'PENDING'],
    );
    const page = await get(`/api/status/${ids.a1}?sender_number=${A}&details=1&limit=2&offset=1`);
    assert.deepEqual(
      page.body.messages.map((m: { recipient: string }) => m.recipient),
      ['21698000002', '21698000003'],
    );
  });

  test('accepts the sender in the X-Sender-Number header and in national form', async () => {
    assert.equal((await get(`/api/status/${ids.a1}`, { 'X-Sender-Number': A })).status, 200);
    assert.equal((await get(`/api/status/${ids.a1}?sender_number=20111111`)).status, 200);
    assert.equal((await get(`/api/status/${ids.a1}?sender_number=%2B${A}`)).status, 200);
  });

  test("answers another sender's campaign exactly like a missing one", async () => {
    const foreign = await get(`/api/status/${ids.b1}?sender_number=${A}`);
    const missing = await get(`/api/status/999999?sender_number=${A}`);
    assert.equal(foreign.status, 404);
    assert.equal(foreign.body.error.code, 'CAMPAIGN_NOT_FOUND');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 'CAMPAIGN_NOT_FOUND');
  });

  test('lets an admin read any campaign without naming a sender', async () => {
    const res = await get(`/api/status/${ids.b1}?details=true`, gw.adminHeaders);
    assert.equal(res.status, 200);
    assert.equal(res.body.sender_number, B);
    assert.equal(res.body.messages.length, 1);
  });

  test('requires a sender number from users and rejects malformed input', async () => {
    const anonymous = await get(`/api/status/${ids.a1}`);
    assert.equal(anonymous.status, 400);
    assert.equal(anonymous.body.error.code, 'SENDER_NUMBER_REQUIRED');
    const invalid = await get(`/api/status/${ids.a1}?sender_number=abc`);
    assert.equal(invalid.body.error.code, 'INVALID_SENDER_NUMBER');
    for (const path of ['/api/status/abc', '/api/status/1.5', '/api/status/-1', '/api/status/0']) {
      const res = await get(`${path}?sender_number=${A}`);
      assert.equal(res.status, 400, path);
      assert.equal(res.body.error.code, 'VALIDATION_FAILED');
    }
    const badFlag = await get(`/api/status/${ids.a1}?sender_number=${A}&details=yes`);
    assert.equal(badFlag.status, 400);
  });

  test('a wrong admin key is refused rather than treated as a user', async () => {
    const res = await get(`/api/status/${ids.a1}?sender_number=${A}`, {
      'X-Admin-API-Key': 'wrong-key-0123456789',
    });
    assert.equal(res.status, 403);
    assert.equal(res.body.error.code, 'ADMIN_KEY_INVALID');
  });
});
