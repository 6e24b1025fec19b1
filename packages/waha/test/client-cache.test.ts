import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createWahaClientCache, WahaError } from '../src/index.ts';
import { type FixtureServer, replyJson, startFixtureServer } from './fixture-server.ts';

let first: FixtureServer;
let second: FixtureServer;

before(async () => {
  const handler = (request: { url: string }, res: Parameters<typeof replyJson>[0]) => {
    const delay = request.url.includes('slow') ? 100 : 0;
    setTimeout(() => replyJson(res, 200, { name: 'default', status: 'WORKING', me: null }), delay);
  };
  first = await startFixtureServer(handler);
  second = await startFixtureServer(handler);
});

after(async () => {
  await first.close();
  await second.close();
});

test('returns the same client for the same worker URL and key', async () => {
  const cache = createWahaClientCache();
  const client = cache.clientFor({ url: first.url, apiKey: 'k1' });
  assert.equal(cache.clientFor({ url: first.url, apiKey: 'k1' }), client);
  assert.equal(cache.clientFor({ url: `${first.url}/`, apiKey: 'k1' }), client);
  assert.notEqual(cache.clientFor({ url: second.url, apiKey: 'k1' }), client);
  await cache.closeAll();
});

test('replaces a client when the key changes, letting the old one finish its calls', async () => {
  const cache = createWahaClientCache();
  const old = cache.clientFor({ url: first.url, apiKey: 'k1' });
  const inFlight = old.getSession('slow');
  await new Promise((resolve) => setImmediate(resolve));
  const renewed = cache.clientFor({ url: first.url, apiKey: 'k2' });
  assert.notEqual(renewed, old);
  assert.equal(cache.clientFor({ url: first.url, apiKey: 'k2' }), renewed);

  assert.equal((await inFlight).name, 'default');
  assert.equal(first.requests.at(-1)?.headers['x-api-key'], 'k1');
  await renewed.getSession('default');
  assert.equal(first.requests.at(-1)?.headers['x-api-key'], 'k2');

  const stale = await old.getSession('default').catch((error: unknown) => error);
  assert.ok(stale instanceof WahaError);
  assert.equal(stale.code, 'CONNECTION_REFUSED');
  assert.equal(stale.retryable, true);
  await cache.closeAll();
});

test('treats a key removed (null or empty) as a change, and null and empty alike', async () => {
  const cache = createWahaClientCache();
  const keyed = cache.clientFor({ url: first.url, apiKey: 'k1' });
  const keyless = cache.clientFor({ url: first.url, apiKey: null });
  assert.notEqual(keyless, keyed);
  assert.equal(cache.clientFor({ url: first.url, apiKey: '' }), keyless);
  await cache.closeAll();
});

test('closeAll closes every client and a later clientFor makes a fresh one', async () => {
  const cache = createWahaClientCache({ timeoutMs: 5_000, connections: 2 });
  const a = cache.clientFor({ url: first.url, apiKey: null });
  const b = cache.clientFor({ url: second.url, apiKey: null });
  await cache.closeAll();
  for (const client of [a, b]) {
    const error = await client.getSession('default').catch((error: unknown) => error);
    assert.ok(error instanceof WahaError);
  }
  const fresh = cache.clientFor({ url: first.url, apiKey: null });
  assert.notEqual(fresh, a);
  assert.equal((await fresh.getSession('default')).status, 'WORKING');
  await cache.closeAll();
});

test("a one-off client is its caller's own, answers like any other and is closed by its caller", async () => {
  const cache = createWahaClientCache({ timeoutMs: 5_000 });
  const kept = cache.clientFor({ url: first.url, apiKey: null });
  const once = cache.oneOffClient({ url: `${first.url}/`, apiKey: '' });
  assert.notEqual(once, kept);
  assert.notEqual(cache.oneOffClient({ url: first.url, apiKey: null }), once);
  assert.equal((await once.getSession('default')).status, 'WORKING');
  await once.close();
  const error = await once.getSession('default').catch((e: unknown) => e);
  assert.ok(error instanceof WahaError && error.code === 'CONNECTION_REFUSED');
  // Closing it leaves the cached client of the same worker working.
  assert.equal((await kept.getSession('default')).status, 'WORKING');
  await cache.closeAll();
});
