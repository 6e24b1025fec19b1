import { setTimeout as sleep } from 'node:timers/promises';
import type { Database } from '@herald/db';
import type { Kysely, Transaction } from 'kysely';

/**
 * A claim made this long ahead of its sender's due time is already SENDING when the time comes,
 * so the claim's own latency (a batch, a transaction) no longer lengthens the gap between sends.
 */
export const CLAIM_AHEAD_MS = 100;

/**
 * The database's clock as one claim saw it: `now` is the database's time when the claim's
 * transaction began, which lies between the moment this process asked for the claim (`started`)
 * and the moment the answer arrived (`answered`), both `performance.now()`. Pacing maps times
 * between the two clocks through it, always erring late: a send may leave a little after its due
 * time, never before.
 */
export interface ClaimClock {
  started: number;
  answered: number;
  now: Date;
}

/** The local time by which the database's clock has surely reached `at`. */
export function localTimeReaching(clock: ClaimClock, at: Date): number {
  return clock.answered + (at.getTime() - clock.now.getTime());
}

/** A time of the database's clock no earlier than the local time `at` (at or after the claim). */
export function databaseTimeAfter(clock: ClaimClock, at: number): Date {
  return new Date(clock.now.getTime() + (at - clock.started));
}

/**
 * Waits until the database's clock has reached `sendableAt` (at most CLAIM_AHEAD_MS and the
 * claim's latency away). Not cut short by a shutdown: the message is SENDING, and a shutdown
 * finishes the message in flight.
 */
export async function untilSendable(clock: ClaimClock, sendableAt: Date): Promise<void> {
  const waitMs = localTimeReaching(clock, sendableAt) - performance.now();
  if (waitMs > 0) await sleep(waitMs);
}

/**
 * Runs `fn` in a transaction on a connection of its own, saying when the transaction was sent
 * (`performance.now()` once the connection was there): a claim's `started`. Measured before the
 * wait for a connection, it would map the database's clock late by that wait.
 */
export function timedTransaction<T>(
  db: Kysely<Database>,
  fn: (trx: Transaction<Database>) => Promise<T>,
): Promise<{ result: T; started: number }> {
  return db.connection().execute(async (connection) => {
    const started = performance.now();
    return { result: await connection.transaction().execute(fn), started };
  });
}
