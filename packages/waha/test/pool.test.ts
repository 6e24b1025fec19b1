import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createWahaClient, WahaError } from '../src/index.ts';
import { replyJson, startFixtureServer } from './fixture-server.ts';

const session = { name: 'default', status: 'WORKING', me: null };
const sent = { id: 'true_1@c.us_A' };

test('sequential calls reuse a keep-alive socket', async (t) => {
  const server = await startFixtureServer((request, res) =>
    replyJson(
      res,
      request.method === 'POST' ? 201 : 200,
      request.method === 'POST' ? sent : session,
    ),
  );
  const client = createWahaClient({ baseUrl: server.url });
  t.after(async () => {
    await client.close();
    await server.close();
  });
  for (let i = 0; i < 50; i += 1) {
    if (i % 2) await client.getSession('default');
    else await client.sendText({ session: 'default', chatId: '1@c.us', text: `t${i}` });
  }
  assert.equal(server.requests.length, 50);
  // undici may open a second socket when a call arrives while the first is still settling
  // (draining, idle-socket check), and then alternates; never one per call.
  assert.ok(server.connections() <= 2, `${server.connections()} connections`);
});

test('concurrent calls open at most `connections` sockets and reuse them', async (t) => {
  const server = await startFixtureServer((_request, res) => {
    // A short delay keeps calls overlapping, so the pool must queue rather than open more.
    setTimeout(() => replyJson(res, 201, sent), 5);
  });
  const client = createWahaClient({ baseUrl: server.url, connections: 4 });
  t.after(async () => {
    await client.close();
    await server.close();
  });
  for (let round = 0; round < 3; round += 1) {
    const calls = Array.from({ length: 40 }, (_, i) =>
      client.sendText({ session: 'default', chatId: '1@c.us', text: `r${round}-${i}` }),
    );
    const results = await Promise.all(calls);
    assert.ok(results.every((result) => result.id === sent.id));
  }
  assert.equal(server.requests.length, 120);
  assert.ok(server.connections() <= 4, `${server.connections()} connections`);
});

test('a base URL with a path prefix keeps it on every call', async (t) => {
  const server = await startFixtureServer((_request, res) => replyJson(res, 200, session));
  const client = createWahaClient({ baseUrl: `${server.url}/waha/` });
  t.after(async () => {
    await client.close();
    await server.close();
  });
  assert.equal(client.baseUrl, `${server.url}/waha`);
  await client.getSession('a b');
  assert.equal(server.requests.at(-1)?.url, '/waha/api/sessions/a%20b');
});

test('close waits for calls in flight, and later calls fail without sending', async (t) => {
  const server = await startFixtureServer((_request, res) => {
    setTimeout(() => replyJson(res, 200, session), 50);
  });
  const client = createWahaClient({ baseUrl: server.url });
  t.after(async () => {
    await client.close();
    await server.close();
  });
  const inFlight = client.getSession('default');
  const closed = client.close();
  assert.equal((await inFlight).name, 'default');
  await closed;
  // Closing twice is harmless.
  await client.close();
  const error = await client.getSession('default').catch((error: unknown) => error);
  assert.ok(error instanceof WahaError);
  assert.equal(error.code, 'CONNECTION_REFUSED');
  assert.equal(error.ambiguous, false);
  assert.equal(server.requests.length, 1);
});
