import { randomUUID } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import type { Database } from '../database.ts';

export interface OpeningLeaseOptions {
  /** How long a claim lasts without renewal; it is renewed every third of that while work runs. */
  leaseMs: number;
  /** How long to wait for another opening of the number before giving up (resolving `busy`). */
  waitMs: number;
}

export const OPENING_BUSY = Symbol('opening busy');

/**
 * Runs `work` while this process holds the lease on opening `phone`'s session, so that two
 * POST /api/sessions of one number (from any gateway) cannot place it twice or free each other's
 * slot. Each claim, renewal and release is one short statement on a pooled connection: no
 * connection waits on a lock or stays checked out across `work` (which calls WAHA). A waiter polls
 * with backoff; a crashed holder's lease lapses after `leaseMs`. Resolves OPENING_BUSY when the
 * lease stayed taken for `waitMs`.
 */
export async function withOpeningLease<T>(
  db: Kysely<Database>,
  phone: string,
  options: OpeningLeaseOptions,
  work: () => Promise<T>,
): Promise<T | typeof OPENING_BUSY> {
  const owner = randomUUID();
  const deadline = Date.now() + options.waitMs;
  let pause = 25;
  // A plain read first: waiters never take the row's lock while the lease is held.
  while (
    (await openingHeld(db, phone)) ||
    !(await claimOpening(db, phone, owner, options.leaseMs))
  ) {
    if (Date.now() + pause > deadline) return OPENING_BUSY;
    await new Promise((resolve) => setTimeout(resolve, pause));
    pause = Math.min(pause * 2, 400);
  }
  const renewal = setInterval(() => {
    claimOpening(db, phone, owner, options.leaseMs).catch(() => undefined);
  }, options.leaseMs / 3);
  renewal.unref();
  try {
    return await work();
  } finally {
    clearInterval(renewal);
    await db
      .deleteFrom('session_openings')
      .where('phone_number', '=', phone)
      .where('owner', '=', owner)
      .execute();
  }
}

async function openingHeld(db: Kysely<Database>, phone: string): Promise<boolean> {
  const row = await db
    .selectFrom('session_openings')
    .select('owner')
    .where('phone_number', '=', phone)
    .where('expires_at', '>', sql<Date>`now()`)
    .executeTakeFirst();
  return row !== undefined;
}

/** Takes the lease when it is free or lapsed, or extends it when `owner` already holds it. */
async function claimOpening(
  db: Kysely<Database>,
  phone: string,
  owner: string,
  leaseMs: number,
): Promise<boolean> {
  const expiresAt = sql<Date>`now() + make_interval(secs => ${leaseMs / 1000})`;
  const row = await db
    .insertInto('session_openings')
    .values({ phone_number: phone, owner, expires_at: expiresAt })
    .onConflict((oc) =>
      oc
        .column('phone_number')
        .doUpdateSet({ owner, expires_at: expiresAt })
        .where((eb) =>
          eb.or([
            eb('session_openings.expires_at', '<', sql<Date>`now()`),
            eb('session_openings.owner', '=', owner),
          ]),
        ),
    )
    .returning('owner')
    .executeTakeFirst();
  return row !== undefined;
}
