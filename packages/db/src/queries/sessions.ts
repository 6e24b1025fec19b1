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

/**
 * Stops Herald's view of a pairing nobody completed: a session still STARTING or showing a QR
 * `olderThanSeconds` after it got there becomes STOPPED, which frees its worker slot. Guarded by
 * the status and its age, so a scan that landed meanwhile is never undone. Returns whether it did.
 */
export async function stopStalePairing(
  db: Kysely<Database>,
  target: { phone: string; workerId: number; olderThanSeconds: number },
): Promise<boolean> {
  const result = await db
    .updateTable('sessions')
    .set({
      status: 'STOPPED',
      status_changed_at: sql`now()`,
      updated_at: sql`now()`,
      qr_expires_at: null,
      last_error: `The QR code was not scanned within ${target.olderThanSeconds} s; POST /api/sessions for a new one`,
    })
    .where('phone_number', '=', target.phone)
    .where('worker_id', '=', target.workerId)
    .where('status', 'in', ['STARTING', 'WAITING_FOR_SCAN'])
    .where('connected_at', 'is', null)
    .where(
      'status_changed_at',
      '<',
      sql<Date>`now() - make_interval(secs => ${target.olderThanSeconds})`,
    )
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
