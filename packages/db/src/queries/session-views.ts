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

/** The sessions on one worker, with what is needed to end them there. */
export function listWorkerSessions(
  db: Kysely<Database>,
  workerId: number,
): Promise<
  Pick<Session, 'phone_number' | 'waha_session' | 'status' | 'updated_at' | 'connected_at'>[]
> {
  return db
    .selectFrom('sessions')
    .select(['phone_number', 'waha_session', 'status', 'updated_at', 'connected_at'])
    .where('worker_id', '=', workerId)
    .orderBy('phone_number')
    .execute();
}
