import { type Kysely, sql } from 'kysely';
import type { Database, DelaySettings } from '../database.ts';

export interface DelayValues {
  message_delay: number;
  sender_switch_delay: number;
}

/**
 * Writes the global delays from configuration only if none are stored yet: after the first start
 * the admin API is the source of truth. Returns what is in force.
 */
export async function seedDelaySettings(
  db: Kysely<Database>,
  values: DelayValues,
): Promise<DelaySettings> {
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

/** Changes the global delays; an omitted value stays as it is. Dispatchers read them at every claim. */
export function updateDelaySettings(
  db: Kysely<Database>,
  changes: Partial<DelayValues>,
): Promise<DelaySettings> {
  return db
    .updateTable('delay_settings')
    .set((eb) => ({
      message_delay: changes.message_delay ?? eb.ref('message_delay'),
      sender_switch_delay: changes.sender_switch_delay ?? eb.ref('sender_switch_delay'),
      updated_at: sql<Date>`now()`,
    }))
    .where('id', '=', 1)
    .returningAll()
    .executeTakeFirstOrThrow();
}
