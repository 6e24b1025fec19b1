import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type DispatchOutcome,
  messageStatusAfter,
  pausesSender,
  retryFloorSeconds,
  statusesReplacedBy,
} from '../src/index.ts';

const outcomes: Record<DispatchOutcome['kind'], DispatchOutcome> = {
  SENT: { kind: 'SENT', wahaMessageId: 'true_1@c.us_A' },
  FAILED: { kind: 'FAILED', code: 'PLUS_ONLY', error: 'Plus only' },
  UNKNOWN: { kind: 'UNKNOWN', code: 'TIMEOUT', error: 'timed out' },
  RETRY: { kind: 'RETRY', code: 'SERVER_ERROR', error: '500', backoffSeconds: 4 },
  PAUSE_SESSION: {
    kind: 'PAUSE_SESSION',
    code: 'SESSION_STATUS',
    error: '422',
    wahaStatus: 'STOPPED',
  },
  PAUSE_WORKER: { kind: 'PAUSE_WORKER', code: 'CONNECTION_REFUSED', error: 'refused' },
};

describe('what an outcome does to the ledger', () => {
  it('leaves the message in the status its outcome names, or PENDING to go again', () => {
    const after = Object.fromEntries(
      Object.values(outcomes).map((outcome) => [outcome.kind, messageStatusAfter(outcome)]),
    );
    assert.deepEqual(after, {
      SENT: 'SENT',
      FAILED: 'FAILED',
      UNKNOWN: 'UNKNOWN',
      RETRY: 'PENDING',
      PAUSE_SESSION: 'PENDING',
      PAUSE_WORKER: 'PENDING',
    });
  });

  it('lets only a definitive answer correct an UNKNOWN a sweep recorded meanwhile', () => {
    assert.deepEqual(statusesReplacedBy(outcomes.SENT), ['SENDING', 'UNKNOWN']);
    assert.deepEqual(statusesReplacedBy(outcomes.FAILED), ['SENDING', 'UNKNOWN']);
    for (const kind of ['UNKNOWN', 'RETRY', 'PAUSE_SESSION', 'PAUSE_WORKER'] as const) {
      assert.deepEqual(statusesReplacedBy(outcomes[kind]), ['SENDING'], kind);
    }
  });

  it('pauses the sender only when the session or the worker could not send', () => {
    const pausing = Object.values(outcomes)
      .filter(pausesSender)
      .map((o) => o.kind);
    assert.deepEqual(pausing, ['PAUSE_SESSION', 'PAUSE_WORKER']);
  });

  it('holds the sender for a retry backoff only after a retry', () => {
    assert.equal(retryFloorSeconds(outcomes.RETRY), 4);
    for (const kind of ['SENT', 'FAILED', 'UNKNOWN', 'PAUSE_SESSION', 'PAUSE_WORKER'] as const) {
      assert.equal(retryFloorSeconds(outcomes[kind]), 0, kind);
    }
  });
});
