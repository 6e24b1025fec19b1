import { isIP } from 'node:net';
import { type Database, pruneRateLimits } from '@herald/db';
import type { Logger } from '@herald/logging';
import type { Kysely } from 'kysely';

/** Counters are kept a day past their window (the longest is an hour), then dropped. */
const PRUNE_AFTER_SECONDS = 86_400;
const PRUNE_EVERY_MS = 10 * 60_000;

/** Drops stale rate-limit counters now and then; the timer never keeps the process alive. */
export function startRateLimitPruning(db: Kysely<Database>, logger: Logger): NodeJS.Timeout {
  const timer = setInterval(() => {
    pruneRateLimits(db, PRUNE_AFTER_SECONDS).catch((error: unknown) =>
      logger.warn('could not prune rate limits', { error: String(error) }),
    );
  }, PRUNE_EVERY_MS);
  timer.unref();
  return timer;
}

/** Whether a bind address is reachable from this machine only. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}
