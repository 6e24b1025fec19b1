import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { countsAgainstWorker, DEFAULT_WORKER_BREAKER, degradedReason } from '../src/index.ts';

describe('worker circuit breaker', () => {
  it('counts timeouts and resets, of a send or of a recipient lookup', () => {
    assert.ok(countsAgainstWorker({ kind: 'UNKNOWN', code: 'TIMEOUT', error: '' }));
    assert.ok(countsAgainstWorker({ kind: 'UNKNOWN', code: 'CONNECTION_RESET', error: '' }));
    assert.ok(
      countsAgainstWorker({ kind: 'RETRY', code: 'TIMEOUT', error: '', backoffSeconds: 1 }),
    );
  });

  it('does not count what says nothing of the worker answering', () => {
    assert.ok(!countsAgainstWorker({ kind: 'SENT', wahaMessageId: 'x' }));
    assert.ok(!countsAgainstWorker({ kind: 'UNKNOWN', code: 'DISPATCH_ERROR', error: '' }));
    assert.ok(
      !countsAgainstWorker({ kind: 'RETRY', code: 'SERVER_ERROR', error: '', backoffSeconds: 1 }),
    );
    assert.ok(!countsAgainstWorker({ kind: 'FAILED', code: 'TIMEOUT', error: '' }));
    assert.ok(
      !countsAgainstWorker({ kind: 'PAUSE_WORKER', code: 'CONNECTION_REFUSED', error: '' }),
    );
  });

  it('has defaults that a few slow senders cannot trip alone', () => {
    assert.deepEqual(DEFAULT_WORKER_BREAKER, {
      threshold: 5,
      windowSeconds: 60,
      cooldownSeconds: 30,
    });
    assert.match(degradedReason(5, 60, 'TIMEOUT'), /^degraded: 5 timeouts or resets within 60 s/);
  });
});
