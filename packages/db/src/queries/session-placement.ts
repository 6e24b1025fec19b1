import { ENDED_SESSION_STATUSES, effectiveCapacity } from '@herald/domain';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database, SessionUpdate } from '../database.ts';
import { workerUsable } from './send-readiness.ts';
import { CANDIDATES, type RankingOptions, rankingSteps } from './worker-loads.ts';

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
  const { placement, ranked } = await rankAndPlace(trx, options);
  if (placement || ranked.length < CANDIDATES) return placement;
  // Every one of the first few was deleted meanwhile: rare enough to rank them all again.
  const excludeWorkerIds = [...(options.excludeWorkerIds ?? []), ...ranked];
  return reserveSessionSlot(trx, { ...options, excludeWorkerIds });
}

/**
 * Ranks the workers (`rankingSteps`, which folds the pending loads too) and writes the session row
 * on the first candidate that still exists, in one statement: the placement, null when none does,
 * and the ids ranked. It must follow the placement lock in a statement of its own: a statement
 * reads the snapshot taken when it starts.
 *
 * DELETE /api/admin/workers does not take the placement lock: a worker deleted since the snapshot
 * would fail the row's foreign key (a 500). So the chosen worker's row is locked, which skips one
 * that is gone (a locking read passes over a row deleted meanwhile, and LIMIT takes the first row
 * it locks) and makes a delete under way wait until this placement commits. A worker the fold
 * updates (`movable`) is locked already, and must not be locked again by the same statement.
 *
 * WAHA Core serves only `default`, Plus names each session after its number. An ended session of
 * another number that still names that session on the chosen worker (Core's `default`) lets go
 * first (the next POST /api/sessions of that number places it again): `placed` waits for it by
 * reading `released`, since a worker's session names are unique.
 */
async function rankAndPlace(
  trx: Transaction<Database>,
  options: RankingOptions,
): Promise<{ placement: Placement | null; ranked: number[] }> {
  const { phone } = options;
  const { rows } = await sql<Partial<Placement> & { ranked: number[] }>`
    WITH RECURSIVE ${rankingSteps(options)}, lockable AS (
      SELECT w.id FROM ranked r JOIN workers w ON w.id = r.id
      WHERE r.id NOT IN (SELECT id FROM movable)
      ORDER BY r.rank LIMIT 1
      FOR KEY SHARE OF w
    ), chosen AS (
      SELECT id, CASE WHEN tier = 'CORE' THEN 'default' ELSE ${phone} END AS waha_session
      FROM ranked
      WHERE id IN (SELECT id FROM movable) OR id IN (SELECT id FROM lockable)
      ORDER BY rank LIMIT 1
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
    SELECT p.worker_id, p.waha_session, EXISTS (SELECT 1 FROM existing) AS replaced,
      ARRAY(SELECT id FROM ranked ORDER BY rank) AS ranked
    FROM (SELECT) one LEFT JOIN placed p ON true`.execute(trx);
  const row = rows[0];
  const ranked = (row?.ranked ?? []).map(Number);
  if (!row || row.worker_id == null || row.waha_session == null) return { placement: null, ranked };
  const placement = {
    worker_id: Number(row.worker_id),
    waha_session: row.waha_session,
    replaced: row.replaced === true,
  };
  return { placement, ranked };
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
