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

describe('GET /api/campaigns', () => {
  const listIds = (body: Array<{ id: number }>) => body.map((c) => c.id);

  test("lists only the sender's campaigns, newest first, with the total in X-Total-Count", async () => {
    const res = await get(`/api/campaigns?sender_number=${A}`);
    assert.equal(res.status, 200);
    assert.ok(Array.isArray(res.body));
    assert.deepEqual(listIds(res.body), [ids.a3, ids.a2, ids.a1]);
    assert.equal(res.headers.get('x-total-count'), '3');
    const item = res.body[2];
    for (const field of [
      'id',
      'sender_number',
      'status',
      'total_messages',
      'sent_messages',
      'failed_messages',
      'created_at',
    ]) {
      assert.ok(field in item, field);
    }
    assert.equal(item.sent_messages, 2);
    assert.equal(item.progress, 75);
  });

  test('filters by status and by creation date', async () => {
    const byStatus = await get(`/api/campaigns?sender_number=${A}&status=IN_PROGRESS`);
    assert.deepEqual(listIds(byStatus.body), [ids.a1]);
    const february = await get(
      `/api/campaigns?sender_number=${A}&start_date=2024-02-01&end_date=2024-02-01`,
    );
    assert.deepEqual(
      listIds(february.body),
      [ids.a2],
      'a date-only end_date includes that whole day',
    );
    const fromTime = await get(`/api/campaigns?sender_number=${A}&start_date=2024-02-01T23:30:00Z`);
    assert.deepEqual(listIds(fromTime.body), [ids.a3, ids.a2]);
    const untilTime = await get(
      `/api/campaigns?sender_number=${A}&end_date=2024-02-01T23:30:00%2B00:00`,
    );
    assert.deepEqual(
      listIds(untilTime.body),
      [ids.a2, ids.a1],
      'a date-time end_date is inclusive',
    );
  });

  test('pages with limit and offset', async () => {
    const page = await get(`/api/campaigns?sender_number=${A}&limit=1&offset=1`);
    assert.deepEqual(listIds(page.body), [ids.a2]);
    assert.equal(page.headers.get('x-total-count'), '3');
  });

  test('shows an admin every campaign, or one sender on request', async () => {
    const all = await get('/api/campaigns', gw.adminHeaders);
    assert.deepEqual(listIds(all.body), [ids.a3, ids.b1, ids.a2, ids.a1]);
    const onlyB = await get(`/api/campaigns?sender_number=${B}`, gw.adminHeaders);
    assert.deepEqual(listIds(onlyB.body), [ids.b1]);
  });

  test('rejects a missing sender, bad dates, an inverted range and an oversized page', async () => {
    const cases: Array<[string, string]> = [
      ['/api/campaigns', 'SENDER_NUMBER_REQUIRED'],
      [`/api/campaigns?sender_number=${A}&start_date=yesterday`, 'VALIDATION_FAILED'],
      [`/api/campaigns?sender_number=${A}&end_date=2024-02-30`, 'VALIDATION_FAILED'],
      [
        `/api/campaigns?sender_number=${A}&start_date=2024-03-01&end_date=2024-02-01`,
        'INVALID_DATE_RANGE',
      ],
      [`/api/campaigns?sender_number=${A}&limit=501`, 'VALIDATION_FAILED'],
      [`/api/campaigns?sender_number=${A}&limit=0`, 'VALIDATION_FAILED'],
      [`/api/campaigns?sender_number=${A}&offset=-1`, 'VALIDATION_FAILED'],
      [`/api/campaigns?sender_number=${A}&status=DONE`, 'VALIDATION_FAILED'],
    ];
    for (const [path, code] of cases) {
      const res = await get(path);
      assert.equal(res.status, 400, path);
      assert.equal(res.body.error.code, code, path);
    }
  });
});

describe('GET /api/admin/campaigns', () => {
  test('needs the admin key', async () => {
    const missing = await get('/api/admin/campaigns');
    assert.equal(missing.status, 401);
    assert.equal(missing.body.error.code, 'ADMIN_KEY_REQUIRED');
    const wrong = await get('/api/admin/campaigns', { 'X-Admin-Token': 'not-the-key-0123456789' });
    assert.equal(wrong.status, 403);
  });

  test('counts campaigns and messages by status and lists the newest and a filtered page', async () => {
    const res = await get(`/api/admin/campaigns?sender_number=${A}&limit=2`, {
      'X-Admin-API-Key': gw.adminHeaders['X-Admin-Token'] as string,
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.campaign_status, {
      PENDING: 3,
      IN_PROGRESS: 1,
      COMPLETED: 0,
      COMPLETED_WITH_ERRORS: 0,
    });
    assert.deepEqual(res.body.message_status, {
      PENDING: 4,
      SENDING: 0,
      SENT: 2,
      FAILED: 1,
      UNKNOWN: 0,
      SUPPRESSED: 0,
    });
    assert.deepEqual(
      res.body.recent_campaigns.map((c: { id: number }) => c.id),
      [ids.a3, ids.b1, ids.a2, ids.a1],
    );
    assert.deepEqual(
      res.body.campaigns.map((c: { id: number }) => c.id),
      [ids.a3, ids.a2],
    );
    assert.equal(res.body.total, 3);
    assert.equal(res.body.limit, 2);
    assert.equal(res.body.offset, 0);
    assert.ok(!Number.isNaN(Date.parse(res.body.last_refresh)));
  });
});

test('the campaign and delay endpoints are documented in /openapi.json', async () => {
  const doc = (await get('/openapi.json')).body;
  assert.ok(doc.paths['/api/send'].post.requestBody);
  assert.ok(doc.paths['/api/send'].post.responses['201']);
  assert.ok(doc.paths['/api/send'].post.responses['413']);
  assert.ok(doc.paths['/api/status/{campaign_id}'].get.responses['200']);
  assert.ok(
    doc.paths['/api/campaigns'].get.parameters.some(
      (p: { name: string }) => p.name === 'sender_number',
    ),
  );
  assert.ok(doc.paths['/api/admin/campaigns'].get.security);
  assert.ok(doc.paths['/api/admin/delays'].post.requestBody);
  assert.ok(doc.paths['/api/admin/user-delays'].post.responses['200']);
  for (const name of [
    'SendCampaignRequest',
    'CampaignCreated',
    'CampaignStatus',
    'CampaignListItem',
    'AdminCampaigns',
    'DelaySettings',
    'UserDelays',
  ]) {
    assert.ok(doc.components.schemas[name], name);
  }
});
