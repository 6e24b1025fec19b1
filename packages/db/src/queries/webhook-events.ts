import { type Kysely, sql } from 'kysely';
import type { Database } from '../database.ts';

/**
 * Records a WAHA event id; false when it was recorded before (a retry or a replay). Rows older
 * than `keepSeconds` are pruned a few at a time on the way, so the table stays small.
 */
export async function claimWebhookEvent(
  db: Kysely<Database>,
  eventId: string,
  keepSeconds: number,
): Promise<boolean> {
  const inserted = await db
    .insertInto('waha_webhook_events')
    .values({ event_id: eventId })
    .onConflict((oc) => oc.column('event_id').doNothing())
    .returning('event_id')
    .executeTakeFirst();
  await sql`
    DELETE FROM waha_webhook_events WHERE event_id IN (
      SELECT event_id FROM waha_webhook_events
      WHERE received_at < now() - make_interval(secs => ${keepSeconds})
      LIMIT 100
    )`.execute(db);
  return inserted !== undefined;
}

/** Forgets an event id whose handling failed, so WAHA's retry of it is applied. */
export async function releaseWebhookEvent(db: Kysely<Database>, eventId: string): Promise<void> {
  await db.deleteFrom('waha_webhook_events').where('event_id', '=', eventId).execute();
}
