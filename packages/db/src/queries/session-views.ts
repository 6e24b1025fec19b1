import type { WorkerTier } from '@herald/domain';
import { type Kysely, sql } from 'kysely';
import type { Database, Session } from '../database.ts';
import { workerUsable } from './send-readiness.ts';

/** A session with the worker it lives on (null once that worker was deleted). */
export interface SessionView extends Session {
  worker_name: string | null;
  worker_url: string | null;
  worker_healthy: boolean | null;
  worker_enabled: boolean | null;
  worker_tier: WorkerTier | null;
  /** Its worker exists and Herald may use it (`workerUsable`). */
  worker_usable: boolean;
}

const sessionView = (db: Kysely<Database>) =>
  db
    .selectFrom('sessions')
    .leftJoin('workers as w', 'w.id', 'sessions.worker_id')
    .selectAll('sessions')
    .select([
      'w.name as worker_name',
      'w.url as worker_url',
      'w.healthy as worker_healthy',
      'w.enabled as worker_enabled',
      'w.tier as worker_tier',
      sql<boolean>`COALESCE(${workerUsable}, false)`.as('worker_usable'),
    ]);

export function findSession(db: Kysely<Database>, phone: string): Promise<SessionView | undefined> {
  return sessionView(db).where('sessions.phone_number', '=', phone).executeTakeFirst();
}

export function listSessionViews(db: Kysely<Database>): Promise<SessionView[]> {
  return sessionView(db).orderBy('sessions.phone_number').execute();
}

export async function listSessionNumbers(db: Kysely<Database>): Promise<string[]> {
  const rows = await db
    .selectFrom('sessions')
    .select('phone_number')
    .orderBy('phone_number')
    .execute();
  return rows.map((r) => r.phone_number);
}

// With every column an observation may change, so that a pass over a worker's list can tell,
// from its own read, which rows WAHA's answer leaves as they are (`observationChanges`).
const WORKER_SESSION_COLUMNS = [
  'phone_number',
  'waha_session',
  'status',
  'updated_at',
  'connected_at',
  'waha_status',
  'me_id',
  'push_name',
  'last_error',
  'phone_active_at',
  'device_active_at',
] as const;
export type WorkerSession = Pick<Session, (typeof WORKER_SESSION_COLUMNS)[number]>;

/** The sessions on one worker, with what is needed to end them there. */
export function listWorkerSessions(
  db: Kysely<Database>,
  workerId: number,
): Promise<WorkerSession[]> {
  return db
    .selectFrom('sessions')
    .select(WORKER_SESSION_COLUMNS)
    .where('worker_id', '=', workerId)
    .orderBy('phone_number')
    .execute();
}

/** `listWorkerSessions` of several workers in one query, by worker (those with none are absent). */
export async function listSessionsOfWorkers(
  db: Kysely<Database>,
  workerIds: readonly number[],
): Promise<Map<number, WorkerSession[]>> {
  const byWorker = new Map<number, WorkerSession[]>();
  if (workerIds.length === 0) return byWorker;
  const rows = await db
    .selectFrom('sessions')
    .select([...WORKER_SESSION_COLUMNS, 'worker_id'])
    .where('worker_id', 'in', workerIds)
    .orderBy('phone_number')
    .execute();
  for (const { worker_id, ...row } of rows) {
    if (worker_id === null) continue;
    const list = byWorker.get(Number(worker_id)) ?? [];
    list.push(row);
    byWorker.set(Number(worker_id), list);
  }
  return byWorker;
}
