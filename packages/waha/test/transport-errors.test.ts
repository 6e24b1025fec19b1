import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { after, describe, test } from 'node:test';
import { createWahaClient, WahaError } from '../src/index.ts';
import {
  type FixtureServer,
  findClosedPort,
  replyJson,
  startFixtureServer,
} from './fixture-server.ts';

const sentMessage = { id: 'true_12025550123@c.us_ABC', _data: {} };
const text = (n: number) => ({ session: 'default', chatId: '12025550123@c.us', text: `m${n}` });

/** Runs `call` and returns the WahaError it must reject with. */
async function failure(call: Promise<unknown>): Promise<WahaError> {
  const error = await call.then(
    () => assert.fail('the call should have failed'),
    (error: unknown) => error,
  );
  assert.ok(error instanceof WahaError, `expected a WahaError, got ${String(error)}`);
  return error;
}

describe('transport failures', () => {
  const held: ServerResponse[] = [];
  let server: FixtureServer;

  after(async () => {
    for (const res of held) res.destroy();
    await server?.close();
  });

  test('a send that reached WAHA and got no answer in time is TIMEOUT, retryable and ambiguous', async () => {
    server = await startFixtureServer((_request, res) => {
      held.push(res);
    });
    const client = createWahaClient({ baseUrl: server.url, timeoutMs: 300 });
    const started = performance.now();
    const error = await failure(client.sendText(text(1)));
    const elapsed = performance.now() - started;
    assert.equal(error.code, 'TIMEOUT');
    assert.equal(error.status, null);
    assert.equal(error.retryable, true);
    assert.equal(error.ambiguous, true);
    assert.equal((await server.requestsReceived(1)).length, 1);
    // undici's own header timer is set 5 s later (and is coarse): the signal ended this call.
    assert.ok(elapsed < 3_000, `timed out after ${elapsed} ms`);
    await client.close();
  });

  test('a send cut short by its caller’s signal is TIMEOUT and ambiguous, long before its timeout', async () => {
    const client = createWahaClient({ baseUrl: server.url, timeoutMs: 60_000 });
    const controller = new AbortController();
    const started = performance.now();
    const call = failure(client.sendText(text(2), { signal: controller.signal }));
    await server.requestsReceived(2);
    controller.abort();
    const error = await call;
    assert.equal(error.code, 'TIMEOUT');
    assert.equal(error.ambiguous, true, 'the request reached WAHA');
    assert.ok(performance.now() - started < 10_000);
    const already = await failure(client.sendText(text(3), { signal: controller.signal }));
    assert.equal(already.code, 'TIMEOUT', 'an aborted signal stops the call at once');
    await client.close();
  });

  test('a read that gets no answer in time is TIMEOUT and never ambiguous', async () => {
    const client = createWahaClient({ baseUrl: server.url, timeoutMs: 200 });
    const error = await failure(client.getSession('default'));
    assert.equal(error.code, 'TIMEOUT');
    assert.equal(error.retryable, true);
    assert.equal(error.ambiguous, false);
    await client.close();
  });

  test('a per-call timeoutMs overrides the client timeout', async () => {
    const client = createWahaClient({ baseUrl: server.url, timeoutMs: 60_000 });
    const error = await failure(client.sendText(text(2), { timeoutMs: 150 }));
    assert.equal(error.code, 'TIMEOUT');
    await client.close();
  });

  test('a send still queued for a socket when it times out was never sent and is not ambiguous', async () => {
    const client = createWahaClient({ baseUrl: server.url, timeoutMs: 5_000, connections: 1 });
    const before = server.requests.length;
    const occupying = client.sendText(text(3)).catch((error: unknown) => error);
    const error = await failure(client.sendText(text(4), { timeoutMs: 200 }));
    assert.equal(error.code, 'TIMEOUT');
    assert.equal(error.retryable, true);
    assert.equal(error.ambiguous, false);
    await server.requestsReceived(before + 1);
    assert.deepEqual(
      server.requests.slice(before).map((request) => JSON.parse(request.body).text),
      ['m3'],
    );
    for (const res of held.splice(0)) res.destroy();
    const first = await occupying;
    assert.ok(first instanceof WahaError);
    assert.equal(first.code, 'CONNECTION_RESET');
    await client.close();
  });

  test('a body that stops streaming is TIMEOUT as well', async (t) => {
    const stalling = await startFixtureServer((_request, res) => {
      res.writeHead(201, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write('{"id":"true_');
      held.push(res);
    });
    t.after(() => stalling.close());
    const client = createWahaClient({ baseUrl: stalling.url, timeoutMs: 300 });
    const error = await failure(client.sendText(text(5)));
    assert.equal(error.code, 'TIMEOUT');
    assert.equal(error.ambiguous, true);
    await client.close();
  });
});

describe('connection failures', () => {
  test('a refused port is CONNECTION_REFUSED, retryable and not ambiguous even for a send', async () => {
    const port = await findClosedPort();
    const client = createWahaClient({ baseUrl: `http://127.0.0.1:${port}` });
    for (const call of [client.sendText(text(1)), client.getSession('default')]) {
      const error = await failure(call);
      assert.equal(error.code, 'CONNECTION_REFUSED');
      assert.equal(error.status, null);
      assert.equal(error.retryable, true);
      assert.equal(error.ambiguous, false);
    }
    await client.close();
  });

  test('a connection reset after the request was written is CONNECTION_RESET and ambiguous for a send', async (t) => {
    const server = await startFixtureServer((request, res, req) => {
      if (JSON.parse(request.body).text === 'm1') req.socket.destroy();
      else replyJson(res, 201, sentMessage);
    });
    const client = createWahaClient({ baseUrl: server.url });
    t.after(async () => {
      await client.close();
      await server.close();
    });
    const error = await failure(client.sendText(text(1)));
    assert.equal(error.code, 'CONNECTION_RESET');
    assert.equal(error.status, null);
    assert.equal(error.retryable, true);
    assert.equal(error.ambiguous, true);
    // undici re-sends nothing that was written: the POST arrived exactly once.
    assert.equal(server.requests.filter((r) => r.url === '/api/sendText').length, 1);

    // The pool replaces the dead socket: the next call goes through.
    assert.equal((await client.sendText(text(2))).id, sentMessage.id);
  });

  test('a connection reset on a read is retryable and not ambiguous', async (t) => {
    const server = await startFixtureServer((_request, _res, req) => {
      req.socket.destroy();
    });
    const client = createWahaClient({ baseUrl: server.url });
    t.after(async () => {
      await client.close();
      await server.close();
    });
    const error = await failure(client.getSession('default'));
    assert.equal(error.code, 'CONNECTION_RESET');
    assert.equal(error.retryable, true);
    assert.equal(error.ambiguous, false);
  });

  test('a server that closes every keep-alive socket after answering never receives a POST twice', async (t) => {
    const server = await startFixtureServer((_request, res, req) => {
      replyJson(res, 201, sentMessage);
      // The socket is closed without `Connection: close`, so the pool believes it reusable.
      res.on('finish', () => setImmediate(() => req.socket.destroy()));
    });
    const client = createWahaClient({ baseUrl: server.url, connections: 2 });
    t.after(async () => {
      await client.close();
      await server.close();
    });
    const outcomes = [];
    for (let round = 0; round < 10; round += 1) {
      const batch = [0, 1, 2, 3].map((i) => client.sendText(text(round * 4 + i)));
      outcomes.push(...(await Promise.allSettled(batch)));
    }
    const texts = server.requests.map((request) => JSON.parse(request.body).text);
    assert.equal(new Set(texts).size, texts.length, 'a message text arrived twice');
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') assert.equal(outcome.reason.ambiguous, true);
    }
  });
});
