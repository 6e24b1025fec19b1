import type { WorkerTier } from '@herald/domain';
import { type Kysely, sql } from 'kysely';
import type { Database, Worker } from '../database.ts';
import { markWorkerSessionsDisconnected } from './sessions.ts';

/** Every column an API may show; `api_key` is deliberately absent. */
const WORKER_COLUMNS = [
  'workers.id',
  'workers.name',
  'workers.url',
  'workers.capacity',
  'workers.enabled',
  'workers.tier',
  'workers.engine',
  'workers.version',
  'workers.healthy',
  'workers.last_seen_at',
  'workers.last_error',
  'workers.consecutive_failures',
  'workers.breaker_failures',
  'workers.degraded_until',
  'workers.created_at',
  'workers.updated_at',
] as const;

export type WorkerSummary = Pick<
  Worker,
  | 'id'
  | 'name'
  | 'url'
  | 'capacity'
  | 'enabled'
  | 'tier'
  | 'engine'
  | 'version'
  | 'healthy'
  | 'last_seen_at'
  | 'last_error'
  | 'consecutive_failures'
  | 'breaker_failures'
  | 'degraded_until'
  | 'created_at'
  | 'updated_at'
> & { sessions: number };

/** What a WAHA client needs; only services that call WAHA ask for it, and never return it. */
export interface WorkerCredentials {
  id: number;
  name: string;
  url: string;
  api_key: string;
}

/** The workers with how many sessions each holds; the correlated count keeps one row per worker. */
const workerSummaries = (db: Kysely<Database>) =>
  db
    .selectFrom('workers')
    .select(WORKER_COLUMNS)
    .select((eb) =>
      eb
        .selectFrom('sessions')
        .select(eb.fn.countAll<number>().as('n'))
        .whereRef('sessions.worker_id', '=', 'workers.id')
        .$asScalar()
        .$notNull()
        .as('sessions'),
    );

export function listWorkers(db: Kysely<Database>): Promise<WorkerSummary[]> {
  return workerSummaries(db).orderBy('workers.id').execute();
}

export function findWorker(db: Kysely<Database>, id: number): Promise<WorkerSummary | undefined> {
  return workerSummaries(db).where('workers.id', '=', id).executeTakeFirst();
}

export function findWorkerCredentials(
  db: Kysely<Database>,
  id: number,
): Promise<WorkerCredentials | undefined> {
  return db
    .selectFrom('workers')
    .select(['id', 'name', 'url', 'api_key'])
    .where('id', '=', id)
    .executeTakeFirst();
}

export interface NewWorkerValues {
  name: string;
  url: string;
  api_key: string;
  capacity: number;
  enabled: boolean;
}

/** Inserts a worker; undefined when its URL is already registered. */
export async function insertWorker(
  db: Kysely<Database>,
  values: NewWorkerValues,
): Promise<number | undefined> {
  const row = await db
    .insertInto('workers')
    .values(values)
    .onConflict((oc) => oc.column('url').doNothing())
    .returning('id')
    .executeTakeFirst();
  return row?.id;
}

export type WorkerSettings = Partial<NewWorkerValues>;

/** Updates what an admin may change; throws a unique violation when the new URL is taken. */
export async function updateWorkerSettings(
  db: Kysely<Database>,
  id: number,
  settings: WorkerSettings,
): Promise<boolean> {
  const result = await db
    .updateTable('workers')
    .set({ ...settings, updated_at: sql`now()` })
    .where('id', '=', id)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function deleteWorkerRow(db: Kysely<Database>, id: number): Promise<boolean> {
  const result = await db.deleteFrom('workers').where('id', '=', id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

export async function deleteAllWorkers(db: Kysely<Database>): Promise<number> {
  const rows = await db.deleteFrom('workers').returning('id').execute();
  return rows.length;
}

export type ProbeOutcome =
  | { healthy: true; tier: WorkerTier; engine: string; version: string }
  | { healthy: false; error: string; definitive: boolean };

/**
 * Records a health check. A worker turns unhealthy once `threshold` failures are consecutive, or
 * at once when the failure is `definitive` (nothing listens, or the key is refused): waiting would
 * only let dispatchers try a worker that cannot answer. The sessions of an unhealthy worker are
 * DISCONNECTED until it answers again. Returns the health now stored and the sessions disconnected.
 */
export async function recordProbe(
  db: Kysely<Database>,
  id: number,
  probe: ProbeOutcome,
  options: { threshold: number },
): Promise<{ healthy: boolean; disconnected: string[] }> {
  if (probe.healthy) {
    const stored = await recordHealthyProbes(db, [{ id, ...probe }]);
    return { healthy: stored.get(id) ?? false, disconnected: [] };
  }
  const stored = await db
    .updateTable('workers')
    .set((eb) => ({
      consecutive_failures: eb('consecutive_failures', '+', 1),
      last_error: probe.error,
      healthy: probe.definitive
        ? false
        : sql<boolean>`healthy AND consecutive_failures + 1 < ${options.threshold}`,
      updated_at: sql`now()`,
    }))
    .where('id', '=', id)
    .returning('healthy')
    .executeTakeFirst();
  const healthy = stored?.healthy ?? false;
  return { healthy, disconnected: healthy ? [] : await markWorkerSessionsDisconnected(db, id) };
}

export type HealthyProbe = { id: number } & Omit<
  Extract<ProbeOutcome, { healthy: true }>,
  'healthy'
>;

/**
 * Records workers that answered their health check, in one statement however many: what each
 * is, seen now, its failures forgotten. A prober records a whole batch at once. A worker its
 * circuit breaker degraded stays so until its cool-down is over (see `worker-breaker.ts`):
 * answering a probe does not prove its sends are answered. Returns the health now stored, by id.
 */
export async function recordHealthyProbes(
  db: Kysely<Database>,
  probes: readonly HealthyProbe[],
): Promise<Map<number, boolean>> {
  if (probes.length === 0) return new Map();
  const cooling = sql`(w.degraded_until IS NOT NULL AND w.degraded_until > now())`;
  const { rows } = await sql<{ id: number; healthy: boolean }>`
    UPDATE workers AS w
       SET tier = p.tier, engine = p.engine, version = p.version, healthy = NOT ${cooling},
           last_seen_at = now(), last_error = CASE WHEN ${cooling} THEN w.last_error END,
           degraded_until = CASE WHEN ${cooling} THEN w.degraded_until END,
           consecutive_failures = 0, updated_at = now()
      FROM unnest(${probes.map((p) => p.id)}::bigint[], ${probes.map((p) => p.tier)}::text[],
                  ${probes.map((p) => p.engine)}::text[], ${probes.map((p) => p.version)}::text[])
           AS p(id, tier, engine, version)
     WHERE w.id = p.id
    RETURNING w.id, w.healthy`.execute(db);
  return new Map(rows.map((r) => [Number(r.id), r.healthy]));
}

/** Used when a call outside the prober finds the worker unreachable; the prober restores it. */
export async function markWorkerUnhealthy(
  db: Kysely<Database>,
  id: number,
  error: string,
): Promise<void> {
  await db
    .updateTable('workers')
    .set({ healthy: false, last_error: error, updated_at: sql`now()` })
    .where('id', '=', id)
    .execute();
}

export interface ProbeTarget extends WorkerCredentials {
  tier: WorkerTier | null;
  healthy: boolean;
  /** When this claim was made (database clock). */
  claimed_at: Date;
}

/**
 * Claims the workers due for a probe and pushes their next probe one interval ahead in the same
 * statement. SKIP LOCKED lets every dispatcher run this at once: each due worker goes to exactly
 * one of them, so a worker is probed once per interval however many dispatchers there are.
 */
export async function claimDueWorkers(
  db: Kysely<Database>,
  options: { intervalSeconds: number; limit: number },
): Promise<ProbeTarget[]> {
  const result = await sql<ProbeTarget>`
    UPDATE workers
       SET next_probe_at = now() + make_interval(secs => ${options.intervalSeconds})
     WHERE id IN (SELECT id FROM workers
                   WHERE next_probe_at <= now()
                   ORDER BY next_probe_at
                   LIMIT ${options.limit}
                   FOR UPDATE SKIP LOCKED)
    RETURNING id, name, url, api_key, tier, healthy, now() AS claimed_at`.execute(db);
  return result.rows;
}

/** Postgres' unique_violation, raised by `pg` with SQLSTATE 23505. */
export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === '23505';
}
