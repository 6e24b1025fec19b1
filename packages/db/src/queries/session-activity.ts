import { type Kysely, sql } from 'kysely';
import type { Database } from '../database.ts';

/** The phone itself was used (a message typed on it): WhatsApp's 14-day clock restarts. */
export async function recordPhoneActivity(
  db: Kysely<Database>,
  phone: string,
  at: Date,
): Promise<boolean> {
  const result = await db
    .updateTable('sessions')
    .set({
      phone_active_at: sql`GREATEST(phone_active_at, ${at}::timestamptz)`,
      updated_at: sql`now()`,
    })
    .where('phone_number', '=', phone)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export interface KeepaliveTarget {
  phone_number: string;
  waha_session: string;
  worker_id: number;
  url: string;
  api_key: string;
  device_active_at: Date | null;
}

/** CONNECTED sessions on usable workers whose linked device has been idle since before `before`. */
export function listIdleConnectedSessions(
  db: Kysely<Database>,
  options: { before: Date; limit: number },
): Promise<KeepaliveTarget[]> {
  return db
    .selectFrom('sessions')
    .innerJoin('workers', 'workers.id', 'sessions.worker_id')
    .select([
      'sessions.phone_number',
      'sessions.waha_session',
      'workers.id as worker_id',
      'workers.url',
      'workers.api_key',
      'sessions.device_active_at',
    ])
    .where('sessions.status', '=', 'CONNECTED')
    .where('workers.enabled', '=', true)
    .where('workers.healthy', '=', true)
    .where((eb) =>
      eb.or([
        eb('sessions.device_active_at', 'is', null),
        eb('sessions.device_active_at', '<', options.before),
      ]),
    )
    .orderBy('sessions.device_active_at')
    .limit(options.limit)
    .execute();
}

export async function recordKeepalive(
  db: Kysely<Database>,
  phone: string,
  at: Date,
): Promise<void> {
  await db
    .updateTable('sessions')
    .set({
      device_active_at: sql`GREATEST(device_active_at, ${at}::timestamptz)`,
      keepalive_at: at,
      updated_at: sql`now()`,
    })
    .where('phone_number', '=', phone)
    .execute();
}
