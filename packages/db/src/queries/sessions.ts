import { type Kysely, sql } from 'kysely';
import type { Database, SessionUpdate } from '../database.ts';

export async function updateSession(
  db: Kysely<Database>,
  phone: string,
  update: SessionUpdate,
): Promise<void> {
  await db
    .updateTable('sessions')
    .set({ ...update, updated_at: sql`now()` })
    .where('phone_number', '=', phone)
    .execute();
}

export async function deleteSessionRow(db: Kysely<Database>, phone: string): Promise<boolean> {
  const result = await db
    .deleteFrom('sessions')
    .where('phone_number', '=', phone)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** Removes every session row (the cleanup endpoint); returns their numbers. */
export async function deleteAllSessions(db: Kysely<Database>): Promise<string[]> {
  const rows = await db.deleteFrom('sessions').returning('phone_number').execute();
  return rows.map((r) => r.phone_number);
}

/** A worker that cannot be reached cannot send: its sessions are DISCONNECTED until it answers. */
export async function markWorkerSessionsDisconnected(
  db: Kysely<Database>,
  workerId: number,
): Promise<string[]> {
  const rows = await db
    .updateTable('sessions')
    .set({ status: 'DISCONNECTED', status_changed_at: sql`now()`, updated_at: sql`now()` })
    .where('worker_id', '=', workerId)
    .where('status', '<>', 'DISCONNECTED')
    .returning('phone_number')
    .execute();
  return rows.map((r) => r.phone_number);
}
