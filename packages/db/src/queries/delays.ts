import type { Kysely } from 'kysely';
import type { Database, DelaySettings } from '../database.ts';

export interface DelayValues {
  message_delay: number;
  sender_switch_delay: number;
}

/**
 * Writes the global delays from configuration only if none are stored yet: after the first start
 * the admin API is the source of truth. Returns what is in force.
 */
export async function seedDelaySettings(db: Kysely<Database>, values: DelayValues): Promise<DelaySettings> {
  await db
    .insertInto('delay_settings')
    .values({ id: 1, ...values })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
  return getDelaySettings(db);
}

export function getDelaySettings(db: Kysely<Database>): Promise<DelaySettings> {
  return db.selectFrom('delay_settings').selectAll().where('id', '=', 1).executeTakeFirstOrThrow();
}
