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
  // DELETE /api/admin/workers does not take the placement lock: a worker deleted since the read
  // above would fail the row's foreign key (a 500). Locking the chosen worker's row skips one
  // that is gone, and makes a delete under way wait until this placement commits.
  let chosen: (typeof ranked)[number] | undefined;
  for (const candidate of ranked) {
    if (await lockWorkerRow(trx, candidate.id)) {
      chosen = candidate;
      break;
    }
  }
  if (!chosen) {
    // Every one of the first few was deleted meanwhile: rare enough to rank them all again.
    if (ranked.length < CANDIDATES) return null;
    const excludeWorkerIds = [...(options.excludeWorkerIds ?? []), ...ranked.map((w) => w.id)];
    return reserveSessionSlot(trx, { ...options, excludeWorkerIds });
  }
  // WAHA Core serves only `default`; Plus names each session after its number.
  const wahaSession = chosen.tier === 'CORE' ? 'default' : options.phone;
  // An ended session of another number may still name this worker's session (Core's `default`):
  // it lets go, and the next POST /api/sessions of that number places it again.
  await trx
    .updateTable('sessions')
    .set({ worker_id: null, updated_at: sql`now()` })
    .where('worker_id', '=', chosen.id)
    .where('waha_session', '=', wahaSession)
    .where('phone_number', '<>', options.phone)
    .execute();
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

/** Whether the worker still exists; if so its row can no longer be deleted until `trx` ends. */
async function lockWorkerRow(trx: Transaction<Database>, workerId: number): Promise<boolean> {
  const row = await trx
    .selectFrom('workers')
    .select('id')
    .where('id', '=', workerId)
    .forKeyShare()
    .executeTakeFirst();
  return row !== undefined;
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
