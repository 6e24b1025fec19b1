import { setTimeout as sleep } from 'node:timers/promises';
import type { Database } from '@herald/db';
import { type Kysely, sql, type Transaction } from 'kysely';

/**
 * A claim made this long ahead of its sender's due time is already SENDING when the time comes,
 * so the claim's own latency (a batch, a transaction) no longer lengthens the gap between sends.
 * Under load a batch of claims can take longer than 100 ms (BENCHMARKS.md section 13); the price of
 * a longer lead is only that a crash inside it leaves the message UNKNOWN, settled from WAHA's
 * record as not sent.
 */
export const CLAIM_AHEAD_MS = 300;

/** How often a dispatcher reads the database's clock alone, for a reading tighter than a claim's. */
export const CLOCK_READ_INTERVAL_MS = 1_000;

/**
 * The most the database's clock is taken to gain or lose on this process's monotonic clock: what
 * NTP slews by. A bound is widened by this much per millisecond of its age; and a tighter bound
 * gives way to any newer reading once it is READING_MAX_AGE_MS old, so a faster slew costs at
 * most that fraction of it.
 */
const MAX_DRIFT = 500e-6;
const READING_MAX_AGE_MS = 2_000;
/** A database time arrives as a Date, cut to the millisecond: the true time is up to 1 ms later. */
const STAMP_RESOLUTION_MS = 1;

/**
 * A time of the database's clock (`stamp`) read after this process's `performance.now()` was
 * `started` and before it was `answered`: a claim's `now()`, or a `clock_timestamp()` alone.
 */
export interface ClockReading {
  started: number;
  stamp: Date;
  answered: number;
}

/** One side of the offset (database ms − local ms), as read from the local time `at` on. */
interface Bound {
  offset: number;
  at: number;
}

/**
 * What this process knows of the database's clock: the offset between it and `performance.now()`
 * lies between the tightest bounds of recent readings. Pacing maps times through them erring late
 * (a send may leave a little after its due time, never before), so a mapping is as loose as the
 * quickest recent reading, not as the claim at hand, whose batch may have taken tens of ms.
 */
export class DatabaseClock {
  #low: Bound | undefined;
  #high: Bound | undefined;

  observe({ started, stamp, answered }: ClockReading): void {
    const low = { offset: stamp.getTime() - answered, at: started };
    const high = { offset: stamp.getTime() + STAMP_RESOLUTION_MS - started, at: started };
    const keptLow = this.#low && lowest(this.#low, answered);
    const keptHigh = this.#high && highest(this.#high, answered);
    // A reading the kept bounds cannot hold means a clock was stepped: start again from it.
    const stepped =
      (keptLow !== undefined && high.offset < keptLow) ||
      (keptHigh !== undefined && low.offset > keptHigh);
    if (stepped || keptLow === undefined || stale(this.#low, answered) || low.offset >= keptLow) {
      this.#low = low;
    }
    if (
      stepped ||
      keptHigh === undefined ||
      stale(this.#high, answered) ||
      high.offset <= keptHigh
    ) {
      this.#high = high;
    }
  }

  /** The local time by which the database's clock has surely reached `at`. */
  localTimeReaching(at: Date): number {
    const low = this.#low;
    if (!low) throw new Error('the database clock was not read yet');
    // The earliest L with L + low.offset − MAX_DRIFT·max(0, L − low.at) ≥ at.
    const undrifted = at.getTime() - low.offset;
    if (undrifted <= low.at) return undrifted;
    return (at.getTime() - low.offset - MAX_DRIFT * low.at) / (1 - MAX_DRIFT);
  }

  /** A time of the database's clock no earlier than the local time `at` (now or before). */
  databaseTimeAfter(at: number): Date {
    if (!this.#high) throw new Error('the database clock was not read yet');
    // Rounded up: a Date holds whole milliseconds.
    return new Date(Math.ceil(at + highest(this.#high, at)));
  }

  /**
   * Waits until the database's clock has reached `sendableAt` (at most CLAIM_AHEAD_MS and a
   * reading's latency away). Not cut short by a shutdown: the message is SENDING, and a shutdown
   * finishes the message in flight.
   */
  async untilSendable(sendableAt: Date): Promise<void> {
    const waitMs = this.localTimeReaching(sendableAt) - performance.now();
    if (waitMs > 0) await sleep(waitMs);
  }
}

const lowest = (bound: Bound, at: number) => bound.offset - MAX_DRIFT * Math.max(0, at - bound.at);
const highest = (bound: Bound, at: number) => bound.offset + MAX_DRIFT * Math.max(0, at - bound.at);
const stale = (bound: Bound | undefined, at: number) =>
  bound !== undefined && at - bound.at > READING_MAX_AGE_MS;

/**
 * Runs `fn` in a transaction on a connection of its own, saying when the transaction was sent
 * (`performance.now()` once the connection was there) and when its answer came: a claim's reading
 * of the database's clock. Measured before the wait for a connection, it would be loose by it.
 */
export function timedTransaction<T>(
  db: Kysely<Database>,
  fn: (trx: Transaction<Database>) => Promise<T>,
): Promise<{ result: T; started: number; answered: number }> {
  return db.connection().execute(async (connection) => {
    const started = performance.now();
    const result = await connection.transaction().execute(fn);
    return { result, started, answered: performance.now() };
  });
}

/** One reading of the database's clock alone: a round trip of a single tiny statement. */
export function readDatabaseClock(db: Kysely<Database>): Promise<ClockReading> {
  return db.connection().execute(async (connection) => {
    const started = performance.now();
    const { rows } = await sql<{ stamp: Date }>`SELECT clock_timestamp() AS stamp`.execute(
      connection,
    );
    const answered = performance.now();
    const stamp = rows[0]?.stamp;
    if (!stamp) throw new Error('the database did not say its time');
    return { started, stamp, answered };
  });
}
