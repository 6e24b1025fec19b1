import { type DispatchOutcome, type RetryBackoff, retryBackoffSeconds } from '@herald/domain';
import { isWahaError, workerCannotServe } from '@herald/waha';

export interface OutcomePolicy {
  maxAttempts: number;
  backoff: RetryBackoff;
}

/** `check` is the recipient lookup before the send: its failures can never have sent anything. */
export type CallPhase = 'check' | 'send';

const MAX_ERROR_LENGTH = 500;

/**
 * What a failed WAHA call means for the message in the ledger:
 * - the session is not WORKING (422) → back to PENDING, sender paused until the session returns;
 * - the worker cannot serve Herald (connection refused, API key rejected) → back to PENDING,
 *   worker marked unhealthy: nothing was sent, and a misconfigured worker must not fail campaigns;
 * - a send that may have reached WhatsApp (timeout or reset after the request went out) → UNKNOWN;
 * - any other transient error → retried after a backoff, FAILED once `maxAttempts` are used;
 * - a permanent error (400, 404, Plus-only, 501…) → FAILED with WAHA's reason.
 */
export function outcomeOfError(
  error: unknown,
  phase: CallPhase,
  attempts: number,
  policy: OutcomePolicy,
): DispatchOutcome {
  const text = describe(error);
  if (!isWahaError(error)) {
    // Not from the client's classification, so we cannot tell whether a request went out.
    if (phase === 'send') return { kind: 'UNKNOWN', code: 'DISPATCH_ERROR', error: text };
    return retryOrFail('DISPATCH_ERROR', text, attempts, policy);
  }
  if (error.code === 'SESSION_STATUS') {
    return {
      kind: 'PAUSE_SESSION',
      code: error.code,
      error: text,
      wahaStatus: error.sessionStatus ?? null,
    };
  }
  if (workerCannotServe(error)) return { kind: 'PAUSE_WORKER', code: error.code, error: text };
  if (error.ambiguous && phase === 'send')
    return { kind: 'UNKNOWN', code: error.code, error: text };
  if (error.retryable || error.ambiguous) return retryOrFail(error.code, text, attempts, policy);
  return { kind: 'FAILED', code: error.code, error: text };
}

function retryOrFail(
  code: string,
  error: string,
  attempts: number,
  policy: OutcomePolicy,
): DispatchOutcome {
  if (attempts >= policy.maxAttempts) {
    return { kind: 'FAILED', code, error: `${error} (gave up after ${attempts} attempts)` };
  }
  return {
    kind: 'RETRY',
    code,
    error,
    backoffSeconds: retryBackoffSeconds(attempts, policy.backoff),
  };
}

function describe(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH)}…` : text;
}
