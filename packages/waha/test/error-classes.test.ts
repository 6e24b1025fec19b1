import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { describe, test } from 'node:test';
import { errors } from 'undici';
import { type CallContext, errorFromTransport } from '../src/errors.ts';
import { createWahaClient, WahaError } from '../src/index.ts';

/**
 * undici failures that loopback cannot produce on demand (a SYN that is never answered, undici's
 * own header timer, which the signal always beats) are classified from real undici error objects.
 */
const send: CallContext = { method: 'POST', path: '/api/sendText', send: true, written: true };
const queued: CallContext = { ...send, written: false };
const read: CallContext = { method: 'GET', path: '/api/sessions/x', send: false, written: true };
const keep = (text: string) => text;

function refused(): Error {
  return Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {
    code: 'ECONNREFUSED',
    syscall: 'connect',
  });
}

describe('undici error classes', () => {
  test('a connect timeout sent nothing: TIMEOUT, retryable, not ambiguous', () => {
    const error = errorFromTransport(queued, new errors.ConnectTimeoutError(), keep);
    assert.equal(error.code, 'TIMEOUT');
    assert.equal(error.retryable, true);
    assert.equal(error.ambiguous, false);
  });

  test("undici's header and body timeouts on a written send are TIMEOUT and ambiguous", () => {
    for (const cause of [new errors.HeadersTimeoutError(), new errors.BodyTimeoutError()]) {
      const error = errorFromTransport(send, cause, keep);
      assert.equal(error.code, 'TIMEOUT');
      assert.equal(error.ambiguous, true);
      assert.equal(errorFromTransport(read, cause, keep).ambiguous, false);
    }
  });

  test('ECONNREFUSED is recognised directly, as a cause, and inside an AggregateError', () => {
    const shapes = [
      refused(),
      new TypeError('fetch failed', { cause: refused() }),
      new AggregateError([refused(), refused()], 'all attempts failed'),
    ];
    for (const cause of shapes) {
      const error = errorFromTransport(send, cause, keep);
      assert.equal(error.code, 'CONNECTION_REFUSED', String(cause));
      assert.equal(error.retryable, true);
      assert.equal(error.ambiguous, false);
      assert.equal(error.cause, cause);
    }
  });

  test('a socket error after writing is CONNECTION_RESET, ambiguous only for sends', () => {
    const cause = new errors.SocketError('other side closed');
    assert.equal(errorFromTransport(send, cause, keep).code, 'CONNECTION_RESET');
    assert.equal(errorFromTransport(send, cause, keep).ambiguous, true);
    assert.equal(errorFromTransport(read, cause, keep).ambiguous, false);
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    assert.equal(errorFromTransport(send, reset, keep).code, 'CONNECTION_RESET');
  });

  test('a socket error before anything was written is CONNECTION_REFUSED', () => {
    const error = errorFromTransport(queued, new errors.SocketError('closed'), keep);
    assert.equal(error.code, 'CONNECTION_REFUSED');
    assert.equal(error.ambiguous, false);
  });

  test('an aborted or timed-out signal is TIMEOUT', () => {
    for (const cause of [
      new DOMException('The operation was aborted due to timeout', 'TimeoutError'),
      new errors.RequestAbortedError(),
    ]) {
      assert.equal(errorFromTransport(send, cause, keep).code, 'TIMEOUT');
    }
  });

  test('the message of a transport error passes through redaction', () => {
    const cause = new Error('proxy said key=s3cr3t');
    const error = errorFromTransport(send, cause, (text) =>
      text.replaceAll('s3cr3t', '[redacted]'),
    );
    assert.ok(!error.message.includes('s3cr3t'));
    assert.ok(error.message.includes('[redacted]'));
  });
});

test('a malformed HTTP answer to a send is BAD_RESPONSE and ambiguous', async () => {
  const server = createServer((socket) => {
    socket.once('data', () => socket.end('HTTP/1.1 2x1 Garbage\r\n\r\n'));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  assert.ok(address && typeof address === 'object');
  const client = createWahaClient({ baseUrl: `http://127.0.0.1:${address.port}` });
  try {
    const error = await client.sendText({ session: 'default', chatId: '1@c.us', text: 'x' }).then(
      () => assert.fail(),
      (error: unknown) => error,
    );
    assert.ok(error instanceof WahaError);
    assert.equal(error.code, 'BAD_RESPONSE');
    assert.equal(error.ambiguous, true);
    assert.equal(error.retryable, false);
  } finally {
    await client.close();
    server.close();
  }
});
