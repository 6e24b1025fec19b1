import { type Kysely, sql } from 'kysely';
import type { Database } from '../database.ts';
import { sessionReady } from './send-readiness.ts';

/**
 * A send restarts the linked device's 30-day inactivity clock; writing it at most once a minute is
 * precise enough for that clock and spares the session row a write per message.
 */
export const deviceActivityStale = sql<boolean>`(device_active_at IS NULL
  OR device_active_at < now() - interval '1 minute')`;

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

/** Sessions that can send (CONNECTED on a usable worker) whose linked device has been idle since before `before`. */
export function listIdleConnectedSessions(
  db: Kysely<Database>,
  options: { before: Date; limit: number },
): Promise<KeepaliveTarget[]> {
  return db
    .selectFrom('sessions as ses')
    .innerJoin('workers as w', 'w.id', 'ses.worker_id')
    .select([
      'ses.phone_number',
      'ses.waha_session',
      'w.id as worker_id',
      'w.url',
      'w.api_key',
      'ses.device_active_at',
    ])
    .where(sessionReady)
    .where((eb) =>
      eb.or([
        eb('ses.device_active_at', 'is', null),
        eb('ses.device_active_at', '<', options.before),
      ]),
    )
    .orderBy('ses.device_active_at')
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
