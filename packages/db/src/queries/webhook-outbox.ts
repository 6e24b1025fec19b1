import { sql, type Transaction } from 'kysely';
import type { Database } from '../database.ts';
import { type CampaignEvent, type EventCursor, FEED_HORIZON } from './campaign-events.ts';

export interface OutboxEvent extends CampaignEvent {
  /** The campaign's own webhook target, if it has one. */
  callback_url: string | null;
}

/**
 * The next events of the change feed not yet turned into webhook jobs, in feed order, below the
 * horizon (see `readFeedSnapshot`); null when another dispatcher is draining right now. Locks the
 * outbox cursor until the transaction ends: jobs and the cursor move commit together.
 */
export async function takeWebhookOutbox(
  trx: Transaction<Database>,
  limit: number,
): Promise<OutboxEvent[] | null> {
  const cursor = (
    await sql<EventCursor>`
      SELECT xid::text AS xid, seq FROM webhook_outbox_cursor WHERE id = 1
      FOR UPDATE SKIP LOCKED
    `.execute(trx)
  ).rows[0];
  if (!cursor) return null;
  const { rows } = await sql<Omit<OutboxEvent, 'cursor'> & EventCursor>`
    SELECT e.xid::text AS xid, e.seq, e.campaign_id, e.message_id, e.recipient, e.status,
           e.error_code, e.occurred_at, c.callback_url
    FROM campaign_events e JOIN campaigns c ON c.id = e.campaign_id
    WHERE (e.xid, e.seq) > (${cursor.xid}::xid8, ${cursor.seq}::bigint)
      AND e.xid < ${FEED_HORIZON}
    ORDER BY e.xid, e.seq
    LIMIT ${limit}
  `.execute(trx);
  return rows.map(({ xid, seq, ...event }) => ({ cursor: { xid, seq }, ...event }));
}

/** Moves the outbox cursor past the events just turned into jobs (same transaction). */
export async function advanceWebhookOutbox(
  trx: Transaction<Database>,
  to: EventCursor,
): Promise<void> {
  await sql`
    UPDATE webhook_outbox_cursor SET xid = ${to.xid}::xid8, seq = ${to.seq}, updated_at = now()
    WHERE id = 1
  `.execute(trx);
}
