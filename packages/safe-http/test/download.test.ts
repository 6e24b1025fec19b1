import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  createGuardedAgent,
  createHostPolicy,
  downloadBounded,
  type HostPolicy,
  type Resolver,
  SafeHttpError,
} from '../src/index.ts';

// A real server on loopback. Loopback is exactly what the guard refuses, so each test names the
// hosts it allows, or resolves a made-up name to loopback to play a rebinding DNS server.
let server: Server;
let port: number;
let hits = 0;

before(async () => {
  server = createServer((req, res) => {
    hits += 1;
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/image.png') {
      res.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.alloc(1000, 1));
    } else if (url.pathname === '/big') {
      res.writeHead(200, { 'content-type': 'image/png' });
      res.end(Buffer.alloc(3 * 1024 * 1024, 1));
    } else if (url.pathname === '/big-chunked') {
      res.writeHead(200, { 'content-type': 'image/png', 'transfer-encoding': 'chunked' });
      for (let i = 0; i < 30; i += 1) res.write(Buffer.alloc(100 * 1024, 1));
      res.end();
    } else if (url.pathname === '/html') {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<p>hi</p>');
    } else if (url.pathname === '/redirect') {
      res.writeHead(302, { location: url.searchParams.get('to') ?? '/' }).end();
    } else if (url.pathname === '/hang') {
      // Never answers; the client's deadline must end it.
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

after(() => {
  server.closeAllConnections();
  server.close();
});

const acceptImages = (mimetype: string) => mimetype.startsWith('image/');

function download(url: string, policy: HostPolicy, resolve?: Resolver, maxBytes = 1024 * 1024) {
  const agent = createGuardedAgent({ policy, ...(resolve ? { resolve } : {}) });
  return downloadBounded(url, {
    agent,
    policy,
    maxBytes,
    timeoutMs: 2000,
    acceptType: acceptImages,
  }).finally(() => agent.close());
}

const failsWith = async (promise: Promise<unknown>, code: string) =>
  assert.rejects(promise, (e: unknown) => e instanceof SafeHttpError && e.code === code);

describe('downloadBounded', () => {
  it('fetches from a host the admin allowed', async () => {
    const got = await download(
      `http://127.0.0.1:${port}/image.png`,
      createHostPolicy(['127.0.0.1']),
    );
    assert.equal(got.bytes.length, 1000);
    assert.equal(got.mimetype, 'image/png');
  });

  it('refuses loopback before connecting, in any spelling', async () => {
    const before = hits;
    for (const host of ['127.0.0.1', '0x7f000001', '2130706433', '[::ffff:127.0.0.1]']) {
      await failsWith(
        download(`http://${host}:${port}/image.png`, createHostPolicy()),
        'BLOCKED_ADDRESS',
      );
    }
    assert.equal(hits, before);
  });

  it('refuses a name that resolves to loopback (as a rebinding DNS would answer)', async () => {
    const rebinding: Resolver = (_name, cb) => cb(null, [{ address: '127.0.0.1', family: 4 }]);
    const before = hits;
    await failsWith(
      download(`http://media.example.test:${port}/image.png`, createHostPolicy(), rebinding),
      'BLOCKED_ADDRESS',
    );
    assert.equal(hits, before);
  });

  it('refuses a name when any of its addresses is internal', async () => {
    const mixed: Resolver = (_name, cb) =>
      cb(null, [
        { address: '93.184.215.14', family: 4 },
        { address: '10.0.0.5', family: 4 },
      ]);
    await failsWith(
      download('http://mixed.example.test/image.png', createHostPolicy(), mixed),
      'BLOCKED_ADDRESS',
    );
  });

  it('checks every redirect hop, by literal and by name', async () => {
    const policy = createHostPolicy(['127.0.0.1']);
    const before = hits;
    for (const to of [
      `http://localhost:${port}/image.png`,
      `http://[::1]:${port}/image.png`,
      'http://169.254.169.254/',
    ]) {
      const url = `http://127.0.0.1:${port}/redirect?to=${encodeURIComponent(to)}`;
      await failsWith(download(url, policy), 'BLOCKED_ADDRESS');
    }
    assert.equal(hits - before, 3, 'only the allowed first hops were served');
  });

  it('follows a redirect to an allowed host', async () => {
    const url = `http://127.0.0.1:${port}/redirect?to=/image.png`;
    const got = await download(url, createHostPolicy(['127.0.0.1']));
    assert.equal(got.bytes.length, 1000);
  });

  it('connects to the address it checked for an allowed internal name', async () => {
    const internal: Resolver = (_name, cb) => cb(null, [{ address: '127.0.0.1', family: 4 }]);
    const got = await download(
      `http://media.internal:${port}/image.png`,
      createHostPolicy(['media.internal']),
      internal,
    );
    assert.equal(got.bytes.length, 1000);
  });

  it('bounds the size, declared or streamed, the type and the time', async () => {
    const policy = createHostPolicy(['127.0.0.1']);
    await failsWith(download(`http://127.0.0.1:${port}/big`, policy), 'TOO_LARGE');
    await failsWith(download(`http://127.0.0.1:${port}/big-chunked`, policy), 'TOO_LARGE');
    await failsWith(download(`http://127.0.0.1:${port}/html`, policy), 'UNSUPPORTED_TYPE');
    await failsWith(download(`http://127.0.0.1:${port}/missing`, policy), 'HTTP_STATUS');
    await failsWith(download(`http://127.0.0.1:${port}/hang`, policy), 'TIMEOUT');
  });

  it('resolves at most two names at once, however many downloads wait', async () => {
    let running = 0;
    let most = 0;
    const slow: Resolver = (_name, cb) => {
      running += 1;
      most = Math.max(most, running);
      setTimeout(() => {
        running -= 1;
        cb(null, [{ address: '127.0.0.1', family: 4 }]);
      }, 30);
    };
    const policy = createHostPolicy(['media.internal']);
    const agent = createGuardedAgent({ policy, resolve: slow });
    try {
      const all = Array.from({ length: 8 }, (_, i) =>
        downloadBounded(`http://media.internal:${port}/image.png?${i}`, {
          agent,
          policy,
          maxBytes: 10_000,
          timeoutMs: 5000,
        }),
      );
      assert.equal((await Promise.all(all)).length, 8);
      assert.equal(most, 2);
    } finally {
      await agent.close();
    }
  });

  it('refuses user info', async () => {
    await failsWith(
      download(`http://u:p@127.0.0.1:${port}/image.png`, createHostPolicy(['127.0.0.1'])),
      'INVALID_URL',
    );
  });
});
