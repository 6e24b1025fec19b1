import { effectiveCapacity } from '@herald/domain';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database, SessionUpdate } from '../database.ts';
import { workerUsable } from './send-readiness.ts';

// Any constant works; it only has to be the same in every process that places sessions.
const PLACEMENT_LOCK = 7_104_201;

// The two-key form of advisory locks never collides with the one-key PLACEMENT_LOCK.
const OPEN_LOCK = 7_104_202;

/**
 * Runs `work` while holding a lock on `phone` that every other opening of that number (from any
 * API process) waits for, so two POST /api/sessions of one number cannot place it twice or free
 * each other's slot. The lock must outlast WAHA calls, which no transaction should span, so it is
 * a session-level lock on one pooled connection, and `work` is handed that connection for all of
 * its queries: asking the pool for another while holding one could exhaust it.
 */
export async function withSessionOpenLock<T>(
  db: Kysely<Database>,
  phone: string,
  work: (conn: Kysely<Database>) => Promise<T>,
): Promise<T> {
  return db.connection().execute(async (conn) => {
    await sql`SELECT pg_advisory_lock(${OPEN_LOCK}, hashtext(${phone}))`.execute(conn);
    try {
      return await work(conn);
    } finally {
      await sql`SELECT pg_advisory_unlock(${OPEN_LOCK}, hashtext(${phone}))`.execute(conn);
    }
  });
}

export interface Placement {
  worker_id: number;
  waha_session: string;
  /** Whether a row already existed for the number (it was moved rather than created). */
  replaced: boolean;
}

/**
 * Reserves a slot for `phone` on the least-loaded usable worker with room, and writes
 * the session row, under one transaction-scoped advisory lock: placements are serialised, so the
 * count of sessions per worker read here cannot change before the row is written, and concurrent
 * creations never exceed a worker's effective capacity. Least loaded is the lowest ratio of
 * sessions to effective capacity, then the most free slots, then the lowest id.
 * Returns null when no worker has room.
 */
export async function reserveSessionSlot(
  trx: Transaction<Database>,
  options: { phone: string; maxLiveSessions: number; excludeWorkerIds?: number[] },
): Promise<Placement | null> {
  await sql`SELECT pg_advisory_xact_lock(${PLACEMENT_LOCK})`.execute(trx);
  const candidates = await trx
    .selectFrom('workers as w')
    .leftJoin('sessions', (join) =>
      join
        .onRef('sessions.worker_id', '=', 'w.id')
        .on('sessions.phone_number', '<>', options.phone),
    )
    .select(['w.id', 'w.tier', 'w.capacity'])
    .select((eb) => eb.fn.count<number>('sessions.phone_number').as('sessions'))
    .where(workerUsable)
    .groupBy('w.id')
    .execute();
  const excluded = new Set(options.excludeWorkerIds ?? []);
  const ranked = candidates
    .filter((w) => !excluded.has(w.id))
    .map((w) => ({ ...w, limit: effectiveCapacity(w, options.maxLiveSessions) }))
    .filter((w) => w.sessions < w.limit)
    .sort(
      (a, b) =>
        a.sessions / a.limit - b.sessions / b.limit ||
        b.limit - b.sessions - (a.limit - a.sessions) ||
        a.id - b.id,
    );
  const chosen = ranked[0];
  if (!chosen) return null;
  // WAHA Core serves only `default`; Plus names each session after its number.
  const wahaSession = chosen.tier === 'CORE' ? 'default' : options.phone;
  const existing = await trx
    .selectFrom('sessions')
    .select('phone_number')
    .where('phone_number', '=', options.phone)
    .executeTakeFirst();
  await trx
    .insertInto('sessions')
    .values({
      phone_number: options.phone,
      worker_id: chosen.id,
      waha_session: wahaSession,
      status: 'STARTING',
    })
    .onConflict((oc) =>
      oc.column('phone_number').doUpdateSet({
        worker_id: chosen.id,
        waha_session: wahaSession,
        ...FRESH_PAIRING,
        status_changed_at: sql`now()`,
        updated_at: sql`now()`,
      }),
    )
    .execute();
  return { worker_id: chosen.id, waha_session: wahaSession, replaced: existing !== undefined };
}

/** What a session forgets when it starts pairing again: the old account and its clocks' anchor. */
export const FRESH_PAIRING = {
  status: 'STARTING',
  waha_status: null,
  me_id: null,
  push_name: null,
  qr_expires_at: null,
  connected_at: null,
  last_error: null,
} as const satisfies SessionUpdate;

/**
 * Gives a reserved slot back after WAHA could not create the session: a new row is removed, a
 * moved one is left without a worker so that the next POST /api/sessions places it again.
 */
export async function releaseSessionSlot(
  db: Kysely<Database>,
  placement: Placement & { phone: string },
  reason: string,
): Promise<void> {
  if (!placement.replaced) {
    await db
      .deleteFrom('sessions')
      .where('phone_number', '=', placement.phone)
      .where('worker_id', '=', placement.worker_id)
      .execute();
    return;
  }
  await db
    .updateTable('sessions')
    .set({ worker_id: null, status: 'STOPPED', last_error: reason, updated_at: sql`now()` })
    .where('phone_number', '=', placement.phone)
    .where('worker_id', '=', placement.worker_id)
    .execute();
}
