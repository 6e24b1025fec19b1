import type { DispatchOutcome } from './outcome.ts';

/**
 * The worker circuit breaker: `threshold` ambiguous failures within `windowSeconds` make the
 * worker degraded (unhealthy, so its senders wait) for at least `cooldownSeconds`, after which
 * the periodic probe brings it back when it answers. A threshold of 0 switches it off.
 */
export interface WorkerBreakerSettings {
  threshold: number;
  windowSeconds: number;
  cooldownSeconds: number;
}

export const DEFAULT_WORKER_BREAKER: WorkerBreakerSettings = Object.freeze({
  threshold: 5,
  windowSeconds: 60,
  cooldownSeconds: 30,
});

/** The worker took the request and gave no answer: it timed out, or dropped the connection. */
const WORKER_FAULT_CODES: ReadonlySet<string> = new Set(['TIMEOUT', 'CONNECTION_RESET']);

/**
 * Whether an outcome counts against its worker: a timeout or a reset, whether it left the message
 * UNKNOWN (the send) or retried (the recipient lookup). Refusals (the worker down) already make it
 * unhealthy at once; a 5xx, a 422 or a lapsed lease says nothing about the worker's speed.
 */
export function countsAgainstWorker(outcome: DispatchOutcome): boolean {
  return (
    (outcome.kind === 'UNKNOWN' || outcome.kind === 'RETRY') && WORKER_FAULT_CODES.has(outcome.code)
  );
}

/** The admin-facing `last_error` of a worker the breaker made degraded. */
export function degradedReason(failures: number, windowSeconds: number, lastCode: string): string {
  return `degraded: ${failures} timeouts or resets within ${windowSeconds} s (last: ${lastCode})`;
}
