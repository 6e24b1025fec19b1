import {
  countsAgainstWorker,
  DEFAULT_WORKER_BREAKER,
  type DispatchOutcome,
  degradedReason,
  type WorkerBreakerSettings,
} from '@herald/domain';
import { type RawBuilder, sql } from 'kysely';

// The worker circuit breaker as it is written on the worker's row, shared by every dispatcher.
// These are SET expressions of the `UPDATE workers` that records a send outcome: each reads the
// row as it was before that update, under its row lock, so concurrent outcomes count exactly.

export interface BreakerChanges {
  breakerFailures: RawBuilder<number>;
  breakerWindowStartedAt: RawBuilder<Date | null>;
  degradedUntil: RawBuilder<Date | null>;
  /** The breaker trips with this outcome: the worker turns unhealthy and is probed after the cool-down. */
  trips: RawBuilder<boolean>;
  /** `last_error` when it trips. */
  reason: RawBuilder<string>;
}

/**
 * A failure inside the current window adds to its count, one after it starts a new window; the
 * breaker trips when the count reaches the threshold and the worker is not degraded already. A
 * trip restarts the window with the count kept: a worker the probe brings back that fails again
 * within a window of its trip is degraded again at its first failure (a half-open breaker).
 */
export function breakerChanges(
  outcome: DispatchOutcome,
  settings: WorkerBreakerSettings = DEFAULT_WORKER_BREAKER,
): BreakerChanges {
  const failed = countsAgainstWorker(outcome) && settings.threshold > 0;
  const inWindow = sql<boolean>`(breaker_window_started_at > now() - make_interval(secs => ${settings.windowSeconds}::float8))`;
  const count = sql<number>`(CASE WHEN ${inWindow} THEN breaker_failures + 1 ELSE 1 END)`;
  const trips = failed
    ? sql<boolean>`(${count} >= ${settings.threshold}::int AND (degraded_until IS NULL OR degraded_until <= now()))`
    : sql<boolean>`false`;
  const cooldownEnds = sql<Date>`now() + make_interval(secs => ${settings.cooldownSeconds}::float8)`;
  if (!failed) {
    return {
      breakerFailures: sql`breaker_failures`,
      breakerWindowStartedAt: sql`breaker_window_started_at`,
      degradedUntil: sql`degraded_until`,
      trips,
      reason: sql`last_error`,
    };
  }
  const code = outcome.kind === 'UNKNOWN' || outcome.kind === 'RETRY' ? outcome.code : '';
  return {
    breakerFailures: count,
    breakerWindowStartedAt: sql`CASE WHEN ${inWindow} AND NOT ${trips} THEN breaker_window_started_at ELSE now() END`,
    degradedUntil: sql`CASE WHEN ${trips} THEN ${cooldownEnds} ELSE degraded_until END`,
    trips,
    reason: sql`${degradedReason(settings.threshold, settings.windowSeconds, code)}::text`,
  };
}

/** After the update: whether this outcome tripped the breaker (its cool-down starts now). */
export function trippedNow(settings: WorkerBreakerSettings = DEFAULT_WORKER_BREAKER) {
  return sql<boolean>`(degraded_until IS NOT NULL AND degraded_until = now() + make_interval(secs => ${settings.cooldownSeconds}::float8))`;
}
