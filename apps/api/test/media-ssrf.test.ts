import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeConnectedSender } from '@herald/testing';
import { startTestGateway, type TestGateway } from './support/gateway.ts';
import { call } from './support/http.ts';
import { ledgerTotals } from './support/ledger.ts';
import { type MediaServer, PNG_BYTES, startMediaServer } from './support/media-server.ts';

// media_url was passed to WAHA unchanged, which fetched it inside the worker network. Now the
// gateway fetches it once through the SSRF guard and WAHA is handed the bytes.
let gw: TestGateway;
let open: TestGateway;
let media: MediaServer;
const SENDER = '21642108077';

before(async () => {
  media = await startMediaServer();
  // `open` allows nothing internal; `gw` allows its loopback media host by IP only.
  open = await startTestGateway();
  gw = await startTestGateway({ MEDIA_ALLOWED_HOSTS: '127.0.0.1', MEDIA_MAX_BYTES: '1048576' });
  for (const g of [gw, open]) await makeConnectedSender(g.db, SENDER, { tier: 'PLUS' });
});
after(async () => {
  await Promise.all([gw.close(), open.close()]);
  await media.close();
});

const send = (g: TestGateway, media_url: string) =>
  call('POST', `${g.url}/api/send`, {
    body: { sender_number: SENDER, template: 'Look', recipients: ['21698000001'], media_url },
  });

async function refused(g: TestGateway, url: string, status: number, codes: string[]) {
  const before = await ledgerTotals(g.db, g.boss);
  const res = await send(g, url);
  assert.equal(res.status, status, `${url}: ${JSON.stringify(res.body)}`);
  assert.ok(codes.includes(res.body.error.code), `${url}: ${res.body.error.code}`);
  assert.deepEqual(await ledgerTotals(g.db, g.boss), before, `${url} wrote something`);
}

describe('media URLs cannot reach internal addresses', () => {
  test("the review's URLs, and other spellings, are refused without a request", async () => {
    const port = media.port;
    const urls = [
      'http://169.254.169.254/latest/meta-data/iam/security-credentials/',
      'http://127.0.0.1:5432/a.png',
      'http://[::1]:8700/api/admin/metrics',
      `http://0x7f000001:${port}/promo.png`,
      `http://2130706433:${port}/promo.png`,
      `http://0177.0.0.1:${port}/promo.png`,
      `http://[::ffff:127.0.0.1]:${port}/promo.png`,
      'http://10.0.0.5/a.png',
      'http://100.64.0.1/a.png',
      'http://[fd00:ec2::254]/a.png',
      `http://user:pw@127.0.0.1:${port}/promo.png`,
    ];
    for (const url of urls) {
      await refused(open, url, 400, ['VALIDATION_FAILED', 'MEDIA_URL_NOT_ALLOWED']);
    }
    assert.deepEqual(media.hits, []);
  });

  test('a name that resolves to loopback is refused when it is connected to', async () => {
    await refused(open, `http://localhost:${media.port}/promo.png`, 400, ['MEDIA_URL_NOT_ALLOWED']);
    assert.deepEqual(media.hits, []);
  });

  test('a redirect from an allowed host to an internal one is refused', async () => {
    const to = encodeURIComponent(`http://localhost:${media.port}/promo.png`);
    await refused(gw, `${media.url}/redirect?to=${to}`, 400, ['MEDIA_URL_NOT_ALLOWED']);
    assert.deepEqual(media.hits.splice(0), ['/redirect'], 'only the allowed hop was served');
  });

  test('an allowed host is fetched once and its bytes are stored with the campaign', async () => {
    const res = await send(gw, `${media.url}/promo.png`);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.deepEqual(media.hits.splice(0), ['/promo.png']);
    const stored = await gw.db
      .selectFrom('campaign_media')
      .select(['mimetype', 'filename', 'size_bytes', 'data'])
      .where('campaign_id', '=', res.body.id)
      .executeTakeFirstOrThrow();
    assert.equal(stored.mimetype, 'image/png');
    assert.equal(stored.filename, 'promo.png');
    assert.equal(stored.size_bytes, PNG_BYTES.length);
    assert.ok(stored.data.equals(PNG_BYTES));
  });

  test('size and type are bounded', async () => {
    await refused(gw, `${media.url}/big.png`, 413, ['MEDIA_TOO_LARGE']);
    await refused(gw, `${media.url}/page.html`, 400, ['MEDIA_TYPE_NOT_SUPPORTED']);
    await refused(gw, `${media.url}/missing.png`, 400, ['MEDIA_UNREACHABLE']);
    media.hits.splice(0);
  });
});
