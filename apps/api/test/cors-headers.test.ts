import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../src/config.ts';
import { startTestGateway, type TestGateway } from './support/gateway.ts';

let gw: TestGateway;
let web: TestGateway;
const EXTENSION = 'chrome-extension://abcdefghijklmnopabcdefghijklmnop';
const WEB_APP = 'https://app.example.com';

before(async () => {
  gw = await startTestGateway();
  web = await startTestGateway({ CORS_ORIGINS: `chrome-extension://*,${WEB_APP}` });
});
after(() => Promise.all([gw.close(), web.close()]));

const preflight = (g: TestGateway, origin: string, path = '/api/send') =>
  fetch(`${g.url}${path}`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type, authorization',
    },
  });

describe('CORS', () => {
  test('any extension is allowed by default: preflight answered, responses readable', async () => {
    const pre = await preflight(gw, EXTENSION);
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), EXTENSION);
    assert.match(pre.headers.get('access-control-allow-methods') ?? '', /POST/);
    assert.match(pre.headers.get('access-control-allow-headers') ?? '', /Authorization/);
    assert.equal(pre.headers.get('access-control-allow-credentials'), null);
    const res = await fetch(`${gw.url}/api/campaigns?sender_number=21642108077`, {
      headers: { origin: EXTENSION },
    });
    assert.equal(res.headers.get('access-control-allow-origin'), EXTENSION);
    assert.match(res.headers.get('access-control-expose-headers') ?? '', /X-Total-Count/);
    assert.match(res.headers.get('vary') ?? '', /Origin/);
  });

  test('other origins get no CORS headers, on preflights or answers', async () => {
    for (const origin of [
      'https://evil.example',
      'null',
      'chrome-extension://',
      `${EXTENSION}.evil.example`,
      WEB_APP,
    ]) {
      const pre = await preflight(gw, origin);
      assert.equal(pre.headers.get('access-control-allow-origin'), null, origin);
      assert.equal(pre.headers.get('access-control-allow-methods'), null, origin);
      const res = await fetch(`${gw.url}/health`, { headers: { origin } });
      assert.equal(res.headers.get('access-control-allow-origin'), null, origin);
    }
  });

  test('CORS_ORIGINS adds exact web origins', async () => {
    for (const origin of [EXTENSION, WEB_APP]) {
      const pre = await preflight(web, origin);
      assert.equal(pre.headers.get('access-control-allow-origin'), origin);
    }
    const other = await preflight(web, 'https://app.example.com.evil.example');
    assert.equal(other.headers.get('access-control-allow-origin'), null);
  });

  test('a malformed CORS_ORIGINS is refused at start', () => {
    for (const bad of ['*', 'app.example.com', 'https://app.example.com/path']) {
      assert.throws(
        () => loadConfig({ DATABASE_URL: 'postgres://x@127.0.0.1/x', CORS_ORIGINS: bad }),
        /CORS_ORIGINS/,
      );
    }
  });
});

describe('security headers', () => {
  const expectHeaders = (res: Response, what: string) => {
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff', what);
    assert.equal(res.headers.get('x-frame-options'), 'DENY', what);
    assert.equal(res.headers.get('referrer-policy'), 'no-referrer', what);
    assert.ok(res.headers.get('content-security-policy'), what);
    assert.equal(res.headers.get('x-powered-by'), null, what);
  };

  test('every API answer carries them, errors and unknown routes included', async () => {
    const answers = await Promise.all([
      fetch(`${gw.url}/health`),
      fetch(`${gw.url}/openapi.json`),
      fetch(`${gw.url}/api/status/1?sender_number=21642108077`),
      fetch(`${gw.url}/api/send`, {
        method: 'POST',
        body: '{',
        headers: { 'content-type': 'application/json' },
      }),
      fetch(`${gw.url}/api/admin/workers`),
      fetch(`${gw.url}/no/such/route`),
    ]);
    for (const res of answers) {
      expectHeaders(res, `${res.url} ${res.status}`);
      assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    }
  });

  test('/docs gets its own policy, which lets Swagger UI load from /docs and nothing else', async () => {
    const page = await fetch(`${gw.url}/docs/`);
    assert.equal(page.status, 200);
    expectHeaders(page, '/docs/');
    const csp = page.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /script-src[^;]*unsafe-inline/);
    const html = await page.text();
    // Every script of the page is a file from /docs, which 'self' allows.
    const inline = html.match(/<script>[^<]/g) ?? [];
    assert.deepEqual(inline, []);
    const init = await fetch(`${gw.url}/docs/swagger-ui-init.js`);
    assert.equal(init.status, 200);
    expectHeaders(init, 'swagger-ui-init.js');
  });
});
