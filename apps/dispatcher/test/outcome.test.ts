import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WahaError, type WahaErrorCode } from '@herald/waha';
import { outcomeOfError } from '../src/outcome.ts';

const policy = { maxAttempts: 3, backoff: { baseSeconds: 1, maxSeconds: 10 } };
const waha = (
  code: WahaErrorCode,
  retryable: boolean,
  extra: { ambiguous?: boolean; sessionStatus?: string } = {},
) => new WahaError({ code, message: `${code} happened`, retryable, ...extra });

describe('outcome of a failed WAHA call', () => {
  it('pauses the sender when the session is not WORKING, keeping what WAHA said', () => {
    const outcome = outcomeOfError(
      waha('SESSION_STATUS', true, { sessionStatus: 'SCAN_QR_CODE' }),
      'send',
      1,
      policy,
    );
    assert.deepEqual(outcome, {
      kind: 'PAUSE_SESSION',
      code: 'SESSION_STATUS',
      error: 'SESSION_STATUS happened',
      wahaStatus: 'SCAN_QR_CODE',
    });
  });

  it('pauses on a refused connection or a rejected API key, in either phase', () => {
    for (const phase of ['check', 'send'] as const) {
      assert.equal(
        outcomeOfError(waha('CONNECTION_REFUSED', true), phase, 1, policy).kind,
        'PAUSE_WORKER',
      );
      assert.equal(
        outcomeOfError(waha('UNAUTHORIZED', false), phase, 1, policy).kind,
        'PAUSE_WORKER',
      );
    }
  });

  it('never retries a send that may have been accepted', () => {
    const timeout = outcomeOfError(waha('TIMEOUT', true, { ambiguous: true }), 'send', 1, policy);
    assert.equal(timeout.kind, 'UNKNOWN');
    const reset = outcomeOfError(
      waha('CONNECTION_RESET', true, { ambiguous: true }),
      'send',
      1,
      policy,
    );
    assert.equal(reset.kind, 'UNKNOWN');
  });

  it('retries a recipient lookup that timed out, since a lookup sends nothing', () => {
    const outcome = outcomeOfError(waha('TIMEOUT', true, { ambiguous: true }), 'check', 1, policy);
    assert.equal(outcome.kind, 'RETRY');
  });

  it('retries transient errors with a growing backoff and fails at MAX_ATTEMPTS', () => {
    const first = outcomeOfError(waha('SERVER_ERROR', true), 'send', 1, policy);
    const second = outcomeOfError(waha('SERVER_ERROR', true), 'send', 2, policy);
    assert.deepEqual([first.kind, second.kind], ['RETRY', 'RETRY']);
    assert.ok(
      first.kind === 'RETRY' &&
        second.kind === 'RETRY' &&
        second.backoffSeconds > first.backoffSeconds,
    );
    const last = outcomeOfError(waha('SERVER_ERROR', true), 'send', 3, policy);
    assert.equal(last.kind, 'FAILED');
    assert.equal(last.kind === 'FAILED' && last.code, 'SERVER_ERROR');
  });

  it('fails permanent errors at once with their code', () => {
    for (const code of ['BAD_REQUEST', 'NOT_FOUND', 'PLUS_ONLY', 'NOT_IMPLEMENTED'] as const) {
      const outcome = outcomeOfError(waha(code, false), 'send', 1, policy);
      assert.deepEqual(outcome, { kind: 'FAILED', code, error: `${code} happened` });
    }
  });

  it('treats an unexpected error during a send as UNKNOWN', () => {
    assert.equal(outcomeOfError(new Error('boom'), 'send', 1, policy).kind, 'UNKNOWN');
    assert.equal(outcomeOfError(new Error('boom'), 'check', 1, policy).kind, 'RETRY');
  });
});
