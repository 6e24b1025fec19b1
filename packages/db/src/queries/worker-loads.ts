import { ENDED_SESSION_STATUSES, type WorkerTier } from '@herald/domain';
import { sql, type Transaction } from 'kysely';
import type { Database } from '../database.ts';
import { workerUsable } from './send-readiness.ts';

// A worker's load is the number of its sessions that hold a slot (`holdsSlot` in
// session-placement.ts): `live_sessions`, plus `paired_stopped_sessions` on Core. Both columns
// are as of the last fold; the changes since sit in `worker_session_changes` (trigger of
// migration 0013_reads_at_scale), and every read here adds them, so a load is always exact.

/** How many of the best-ranked workers one placement reads (and tries to lock, in order). */
export const CANDIDATES = 8;

/**
 * `effectiveCapacity` (packages/domain/src/workers.ts, the rule's home) as SQL over `w`, so the
 * ranking runs in Postgres. packages/db/test/placement.test.ts holds it equal to the domain function.
 */
export const effectiveCapacitySql = (maxLiveSessions: number) =>
  sql<number>`(CASE WHEN w.tier = 'CORE' THEN 1 ELSE LEAST(w.capacity, ${maxLiveSessions}::int) END)`;

/**
 * Moves the pending changes into the workers' columns. Only under the placement lock (one fold
 * at a time). A worker whose row another transaction holds (a send's outcome) keeps its changes
 * for a later fold rather than wait: the ranking adds them meanwhile.
 */
const foldChanges = sql`movable AS (
      SELECT w.id FROM workers w
      WHERE w.id IN (SELECT worker_id FROM worker_session_changes)
      FOR NO KEY UPDATE OF w SKIP LOCKED
    ), folded AS (
      DELETE FROM worker_session_changes c
      WHERE c.worker_id IN (SELECT id FROM movable)
         OR NOT EXISTS (SELECT 1 FROM workers w WHERE w.id = c.worker_id)
      RETURNING c.worker_id, c.live, c.paired_stopped
    ), applied AS (
      UPDATE workers w
      SET live_sessions = w.live_sessions + f.live,
        paired_stopped_sessions = w.paired_stopped_sessions + f.paired_stopped
      FROM (SELECT worker_id, sum(live)::int AS live, sum(paired_stopped)::int AS paired_stopped
            FROM folded GROUP BY worker_id) f
      WHERE w.id = f.worker_id
    )`;

/** The fold alone (rankedCandidates folds as it ranks). */
export async function foldWorkerSessionChanges(trx: Transaction<Database>): Promise<void> {
  await sql`WITH ${foldChanges} SELECT 1`.execute(trx);
}

/**
 * The usable workers with room, best first: the lowest ratio of load (other numbers' sessions) to
 * effective capacity, then the most free slots, then the lowest id. The first CANDIDATES.
 *
 * Within one Plus capacity (or among Core workers) the effective capacity is the same, so that
 * order is simply fewest sessions, then lowest id: the index workers_plus_load_idx gives each
 * capacity's first CANDIDATES directly (the capacities are walked through the same index), and
 * only those few rows are ranked. Workers whose load the columns do not show exactly (changes
 * not folded yet, or this number's own session, which does not count against it) are left out
 * of the index walk and ranked with their exact load.
 *
 * The same statement folds the pending changes: all of it reads the snapshot from before the fold,
 * the columns and the changes alike, so the loads it ranks are exact either way.
 */
export function rankedCandidates(
  trx: Transaction<Database>,
  options: RankingOptions,
): Promise<{ id: number; tier: WorkerTier | null }[]> {
  return sql<{ id: number; tier: WorkerTier | null }>`
    WITH RECURSIVE ${rankingSteps(options)} SELECT id, tier FROM ranked ORDER BY rank`
    .execute(trx)
    .then((result) => result.rows.map((row) => ({ ...row, id: Number(row.id) })));
}

export interface RankingOptions {
  phone: string;
  maxLiveSessions: number;
  excludeWorkerIds?: number[];
}

/**
 * `rankedCandidates` as the steps of a `WITH RECURSIVE` (so that a placement can go on in the
 * same statement): the last, `ranked (id, tier, rank)`, holds the candidates, rank 1 the best.
 * `movable` holds the workers whose row the fold locked (and updates).
 */
export function rankingSteps(options: RankingOptions) {
  const excluded = options.excludeWorkerIds ?? [];
  // Constants are written into the text: the statement is prepared, and a LIMIT given as a
  // parameter makes its generic plan look so dear that Postgres would plan it anew every time.
  const limit = sql.lit(CANDIDATES);
  const max = sql`${options.maxLiveSessions}::int`;
  const plus = sql`${workerUsable} AND w.tier IS DISTINCT FROM 'CORE'`;
  const core = sql`${workerUsable} AND w.tier = 'CORE'`;
  const eligible = sql`NOT (w.id = ANY(${excluded}::bigint[]))
    AND NOT (w.id = ANY(ARRAY(SELECT worker_id FROM adjusted)))`;
  return sql`${foldChanges}, pending AS (
      SELECT worker_id, sum(live)::int AS live, sum(paired_stopped)::int AS paired_stopped
      FROM worker_session_changes GROUP BY worker_id
    ), own AS (
      SELECT worker_id,
        (status NOT IN (${sql.join(ENDED_SESSION_STATUSES.map((status) => sql.lit(status)))}))::int AS live,
        (status = 'STOPPED' AND connected_at IS NOT NULL)::int AS paired_stopped
      FROM sessions WHERE phone_number = ${options.phone} AND worker_id IS NOT NULL
    ), adjusted AS (
      SELECT worker_id FROM pending UNION SELECT worker_id FROM own
    ), capacities(c) AS (
      SELECT min(w.capacity) FROM workers w WHERE ${plus}
      UNION ALL
      SELECT (SELECT min(w.capacity) FROM workers w WHERE ${plus} AND w.capacity > capacities.c)
      FROM capacities WHERE capacities.c IS NOT NULL
    ), candidates AS (
      SELECT p.* FROM capacities, LATERAL (
        SELECT w.id, w.tier, w.capacity, w.live_sessions AS live, w.paired_stopped_sessions AS paired_stopped
        FROM workers w
        WHERE ${plus} AND w.capacity = capacities.c AND w.live_sessions < LEAST(capacities.c, ${max})
          AND ${eligible}
        ORDER BY w.live_sessions, w.id LIMIT ${limit}
      ) p
      UNION ALL (
        SELECT w.id, w.tier, w.capacity, w.live_sessions, w.paired_stopped_sessions
        FROM workers w
        WHERE ${core} AND w.live_sessions + w.paired_stopped_sessions < 1 AND ${eligible}
        ORDER BY w.live_sessions + w.paired_stopped_sessions, w.id LIMIT ${limit}
      )
      UNION ALL
      SELECT w.id, w.tier, w.capacity,
        w.live_sessions + COALESCE((SELECT live FROM pending WHERE worker_id = w.id), 0)
          - COALESCE((SELECT live FROM own WHERE worker_id = w.id), 0),
        w.paired_stopped_sessions + COALESCE((SELECT paired_stopped FROM pending WHERE worker_id = w.id), 0)
          - COALESCE((SELECT paired_stopped FROM own WHERE worker_id = w.id), 0)
      FROM workers w
      WHERE w.id = ANY(ARRAY(SELECT worker_id FROM adjusted)) AND ${workerUsable}
        AND NOT (w.id = ANY(${excluded}::bigint[]))
    ), load AS (
      SELECT w.id, w.tier, ${effectiveCapacitySql(options.maxLiveSessions)} AS slots,
        w.live + CASE WHEN w.tier = 'CORE' THEN w.paired_stopped ELSE 0 END AS used
      FROM candidates w
    ), ranked AS (
      SELECT id, tier, row_number() OVER (ORDER BY used::float8 / slots, slots - used DESC, id) AS rank
      FROM load
      WHERE used < slots
      ORDER BY rank
      LIMIT ${limit}
    )`;
}
