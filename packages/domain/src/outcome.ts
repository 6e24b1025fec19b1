import type { MessageStatus } from './statuses.ts';

/** What became of one claimed message. */
export type DispatchOutcome =
  | { kind: 'SENT'; wahaMessageId: string | null }
  /** Permanent: WAHA refused it for a reason that a retry cannot change. */
  | { kind: 'FAILED'; code: string; error: string }
  /** WAHA may have accepted it (timeout or reset after the request went out): never resent. */
  | { kind: 'UNKNOWN'; code: string; error: string }
  /** Transient: back to PENDING, the attempt counted, not before `backoffSeconds`. */
  | { kind: 'RETRY'; code: string; error: string; backoffSeconds: number }
  /** The session is not WORKING: back to PENDING, the attempt not counted, sender paused. */
  | { kind: 'PAUSE_SESSION'; code: string; error: string; wahaStatus: string | null }
  /** The worker refused the connection: nothing was sent; back to PENDING, worker unhealthy. */
  | { kind: 'PAUSE_WORKER'; code: string; error: string };

const STATUS_AFTER: Record<DispatchOutcome['kind'], MessageStatus> = {
  SENT: 'SENT',
  FAILED: 'FAILED',
  UNKNOWN: 'UNKNOWN',
  RETRY: 'PENDING',
  PAUSE_SESSION: 'PENDING',
  PAUSE_WORKER: 'PENDING',
};

/** The ledger status an outcome leaves its message in. */
export function messageStatusAfter(outcome: DispatchOutcome): MessageStatus {
  return STATUS_AFTER[outcome.kind];
}

/**
 * The statuses an outcome may replace. A definitive answer (SENT, FAILED) also replaces an
 * UNKNOWN: a sweep recorded that while the call was still under way (the lease lapsed), and the
 * answer is the truth. Anything else applies only to the SENDING message it was claimed as.
 */
export function statusesReplacedBy(outcome: DispatchOutcome): MessageStatus[] {
  return outcome.kind === 'SENT' || outcome.kind === 'FAILED'
    ? ['SENDING', 'UNKNOWN']
    : ['SENDING'];
}

/** The session or the worker could not send: the sender waits, and the attempt is not counted. */
export function pausesSender(
  outcome: DispatchOutcome,
): outcome is Extract<DispatchOutcome, { kind: 'PAUSE_SESSION' | 'PAUSE_WORKER' }> {
  return outcome.kind === 'PAUSE_SESSION' || outcome.kind === 'PAUSE_WORKER';
}

/**
 * Seconds after the end of the call before the message an outcome put back may go again (its
 * `retry_at`). Only that message waits: its sender's other messages go on at their pace.
 */
export function retryFloorSeconds(outcome: DispatchOutcome): number {
  return outcome.kind === 'RETRY' ? outcome.backoffSeconds : 0;
}

/**
 * Seconds after the end of the call before the sender may send again, whatever its delays: after
 * an UNKNOWN, the sender's circuit breaker (`unknownHoldSeconds`): it sends nothing more until
 * that message is resolved (which lifts the hold) or the hold runs out, so a call WAHA may still
 * be working on is never joined by a second one of the same sender.
 */
export function senderHoldSeconds(outcome: DispatchOutcome, unknownHoldSeconds = 0): number {
  return outcome.kind === 'UNKNOWN' ? unknownHoldSeconds : 0;
}

/** The sender's `held_reason` while its circuit breaker is open. */
export const UNKNOWN_HOLD_REASON = 'UNKNOWN_OUTCOME';
