import { ENDED_SESSION_STATUSES, effectiveCapacity } from '@herald/domain';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database, SessionUpdate } from '../database.ts';
import { workerUsable } from './send-readiness.ts';
import { CANDIDATES, rankedCandidates } from './worker-loads.ts';

// Any constant works; it only has to be the same in every process that places sessions.
const PLACEMENT_LOCK = 7_104_201;

/**
 * Takes back a slot on the worker an ended session is on, when that worker is usable and has room
 * (live sessions of other numbers, counted as `reserveSessionSlot` does). The row turns STARTING,
 * so it counts from now on. Returns false when the session must move to another worker instead.
 */
export async function reclaimSessionSlot(
  trx: Transaction<Database>,
  options: { phone: string; workerId: number; maxLiveSessions: number },
): Promise<boolean> {
  await sql`SELECT pg_advisory_xact_lock(${PLACEMENT_LOCK})`.execute(trx);
  const worker = await trx
    .selectFrom('workers as w')
    .select(['w.tier', 'w.capacity'])
    .select((eb) =>
      eb
        .selectFrom('sessions')
        .select(eb.fn.countAll<number>().as('n'))
        .whereRef('sessions.worker_id', '=', 'w.id')
        .where('sessions.phone_number', '<>', options.phone)
        .where(holdsSlot)
        .as('sessions'),
    )
    .where('w.id', '=', options.workerId)
    .where(workerUsable)
    .executeTakeFirst();
  if (!worker || Number(worker.sessions) >= effectiveCapacity(worker, options.maxLiveSessions)) {
    return false;
  }
  await trx
    .updateTable('sessions')
    .set({ status: 'STARTING', status_changed_at: sql`now()`, updated_at: sql`now()` })
    .where('phone_number', '=', options.phone)
    .where('worker_id', '=', options.workerId)
    .execute();
  return true;
}

/**
 * A session row (`sessions`, on worker `w`) that holds a slot: a live one. The workers' counted
 * loads (trigger of migration 0013_reads_at_scale, `worker-loads.ts`) count the same rows. On Core, whose one
 * session `default` is shared, a stopped session that was paired holds it too, since starting
 * `default` for another number would bring back that account.
 */
const holdsSlot = sql<boolean>`(sessions.status NOT IN (${sql.join(ENDED_SESSION_STATUSES)})
  OR (w.tier = 'CORE' AND sessions.status = 'STOPPED' AND sessions.connected_at IS NOT NULL))`;

export interface Placement {
  worker_id: number;
  waha_session: string;
  /** Whether a row already existed for the number (it was moved rather than created). */
  replaced: boolean;
}

/**
 * Reserves a slot for `phone` on the least-loaded usable worker with room, and writes
 * the session row. Only live sessions count against a worker's capacity (an ended one runs
 * nowhere and is started again only through this reservation or `reclaimSessionSlot`), under one
 * transaction-scoped advisory lock: placements are serialised, so the count of sessions per worker
 * read here cannot change before the row is written, and concurrent creations never exceed a
 * worker's effective capacity. Least loaded is the lowest ratio of sessions to effective capacity,
 * then the most free slots, then the lowest id; the counts are the workers' maintained loads
 * (`worker-loads.ts`), so a placement reads a few rows per capacity rather than every worker.
 * Returns null when no worker has room.
 */
export async function reserveSessionSlot(
  trx: Transaction<Database>,
  options: { phone: string; maxLiveSessions: number; excludeWorkerIds?: number[] },
): Promise<Placement | null> {
  await sql`SELECT pg_advisory_xact_lock(${PLACEMENT_LOCK})`.execute(trx);
  const ranked = await rankedCandidates(trx, options);
  if (ranked.length === 0) return null;
  const placement = await placeOnFirstWorker(trx, options.phone, ranked);
  if (placement) return placement;
  // Every one of the first few was deleted meanwhile: rare enough to rank them all again.
  if (ranked.length < CANDIDATES) return null;
  const excludeWorkerIds = [...(options.excludeWorkerIds ?? []), ...ranked.map((w) => w.id)];
  return reserveSessionSlot(trx, { ...options, excludeWorkerIds });
}

/**
 * Writes the session row on the first of `ranked` (best first) that still exists, in one
 * statement; null when none does. DELETE /api/admin/workers does not take the placement lock: a
 * worker deleted since the ranking would fail the row's foreign key (a 500). Locking the chosen
 * worker's row skips one that is gone (a locking read passes over a row deleted meanwhile, and
 * LIMIT takes the first it locks), and makes a delete under way wait until this placement
 * commits. WAHA Core serves only `default`, Plus names each session after its number; an ended
 * session of another number that still names that session on the chosen worker (Core's
 * `default`) lets go first (the next POST /api/sessions of that number places it again), which
 * `placed` waits for by reading `released`: the worker's session names are unique.
 */
async function placeOnFirstWorker(
  trx: Transaction<Database>,
  phone: string,
  ranked: { id: number }[],
): Promise<Placement | null> {
  const { rows } = await sql<Placement>`
    WITH chosen AS (
      SELECT w.id, CASE WHEN w.tier = 'CORE' THEN 'default' ELSE ${phone} END AS waha_session
      FROM unnest(${ranked.map((w) => w.id)}::bigint[]) WITH ORDINALITY AS r(id, rank)
      JOIN workers w ON w.id = r.id
      ORDER BY r.rank LIMIT 1
      FOR KEY SHARE OF w
    ), released AS (
      UPDATE sessions s SET worker_id = NULL, updated_at = now()
      FROM chosen c
      WHERE s.worker_id = c.id AND s.waha_session = c.waha_session AND s.phone_number <> ${phone}
      RETURNING s.phone_number
    ), existing AS (
      SELECT phone_number FROM sessions WHERE phone_number = ${phone}
    ), placed AS (
      INSERT INTO sessions AS s (phone_number, worker_id, waha_session, status)
      SELECT ${phone}, c.id, c.waha_session, 'STARTING' FROM chosen c
      WHERE (SELECT count(*) FROM released) >= 0
      ON CONFLICT (phone_number) DO UPDATE SET
        worker_id = EXCLUDED.worker_id, waha_session = EXCLUDED.waha_session, ${freshPairing},
        status_changed_at = now(), updated_at = now()
      RETURNING s.worker_id, s.waha_session
    )
    SELECT worker_id, waha_session, EXISTS (SELECT 1 FROM existing) AS replaced FROM placed`.execute(
    trx,
  );
  const row = rows[0];
  return row ? { ...row, worker_id: Number(row.worker_id) } : null;
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

const freshPairing = sql.join(
  Object.entries(FRESH_PAIRING).map(([column, value]) => sql`${sql.ref(column)} = ${value}`),
);

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
