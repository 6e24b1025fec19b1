import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { inspect } from 'node:util';
import { createWahaClient, type WahaClient, WahaError } from '../src/index.ts';
import { type FixtureServer, replyJson, startFixtureServer } from './fixture-server.ts';

// Quotes and a backslash: the JSON-escaped form a server echoes differs from the raw key.
const API_KEY = 'herald-"secret"\\key-7f3a9c';
const ESCAPED = JSON.stringify(API_KEY).slice(1, -1);

/** Everything an error exposes to a logger, serializer or stack dump. */
function everythingIn(error: WahaError): string {
  return [
    error.message,
    String(error.stack),
    JSON.stringify(error),
    JSON.stringify(error.body),
    inspect(error, { depth: Number.POSITIVE_INFINITY, showHidden: true }),
  ].join('\n');
}

describe('the API key', () => {
  const held: ServerResponse[] = [];
  let server: FixtureServer;
  let client: WahaClient;
  let hangingClient: WahaClient;

  before(async () => {
    // A hostile server that reflects the key back in every way it can.
    server = await startFixtureServer((request, res, req) => {
      const key = String(request.headers['x-api-key'] ?? '');
      const path = request.url.split('?')[0];
      if (path === '/api/sessions/unauthorized') {
        res.writeHead(401, { 'content-type': 'text/plain' });
        return void res.end(`key ${key} is not valid`);
      }
      if (path === '/api/sessions/echo') {
        return replyJson(res, 500, { message: `bad key ${key}`, headers: request.headers });
      }
      if (path === '/api/sessions/html') {
        res.writeHead(200, { 'content-type': 'text/html' });
        return void res.end(`<p>${key}</p>`);
      }
      if (path === '/api/sessions/hang') return void held.push(res);
      if (path === '/api/sessions/reset') return void req.socket.destroy();
      replyJson(res, 200, { name: 'default', status: 'WORKING', me: null, key });
    });
    // Generous for calls that are answered (a loaded machine is slow); `hang` has its own client.
    client = createWahaClient({ baseUrl: server.url, apiKey: API_KEY, timeoutMs: 10_000 });
    hangingClient = createWahaClient({ baseUrl: server.url, apiKey: API_KEY, timeoutMs: 300 });
  });

  after(async () => {
    for (const res of held) res.destroy();
    await client.close();
    await hangingClient.close();
    await server.close();
  });

  test('is sent as X-Api-Key on every call', async () => {
    await client.getSession('default');
    await client.sendText({ session: 'default', chatId: '1@c.us', text: 'x' }).catch(() => {});
    const seen = server.requests.slice(-2);
    assert.deepEqual(
      seen.map((request) => request.headers['x-api-key']),
      [API_KEY, API_KEY],
    );
  });

  test('is not sent when the worker has none', async () => {
    for (const apiKey of [null, '', undefined]) {
      const keyless = createWahaClient({ baseUrl: server.url, apiKey });
      await keyless.getSession('default');
      assert.equal(server.requests.at(-1)?.headers['x-api-key'], undefined);
      await keyless.close();
    }
  });

  for (const name of ['unauthorized', 'echo', 'html', 'hang', 'reset']) {
    test(`never appears in the error of a "${name}" answer`, async () => {
      const error = await (name === 'hang' ? hangingClient : client).getSession(name).then(
        () => assert.fail('should fail'),
        (error: unknown) => error,
      );
      assert.ok(error instanceof WahaError);
      const exposed = everythingIn(error);
      assert.ok(!exposed.includes(API_KEY), exposed);
      assert.ok(!exposed.includes(ESCAPED), exposed);
    });
  }

  test('is replaced by a marker in a reflected body, which stays readable', async () => {
    const error = await client.getSession('echo').then(
      () => assert.fail('should fail'),
      (error: unknown) => error as WahaError,
    );
    assert.equal(error.code, 'SERVER_ERROR');
    assert.deepEqual(error.body, {
      message: 'bad key [redacted]',
      headers: { ...server.requests.at(-1)?.headers, 'x-api-key': '[redacted]' },
    });
  });

  test('is not visible on the client object', () => {
    const shown = `${inspect(client, { depth: 5, showHidden: true })}${JSON.stringify(client)}`;
    assert.ok(!shown.includes(API_KEY));
  });
});
