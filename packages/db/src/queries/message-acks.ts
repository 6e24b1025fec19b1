import { type Kysely, sql } from 'kysely';
import type { Database } from '../database.ts';

/**
 * Records a delivery receipt. Acks only move forward (WAHA retries webhooks and may deliver them
 * out of order): `ack` keeps the highest level seen, `delivered_at` is set at DEVICE (2) and
 * `read_at` at READ (3) the first time they are reached. ERROR (-1) is kept in `ack` only when
 * nothing better was seen. Returns how many messages matched the id.
 */
export async function recordMessageAck(
  db: Kysely<Database>,
  ack: { wahaMessageId: string; level: number; at: Date; senderNumber?: string },
): Promise<number> {
  let query = db
    .updateTable('messages')
    .set({
      ack: sql`GREATEST(ack, ${ack.level}::smallint)`,
      delivered_at:
        ack.level >= 2 ? sql`COALESCE(delivered_at, ${ack.at}::timestamptz)` : sql`delivered_at`,
      read_at: ack.level >= 3 ? sql`COALESCE(read_at, ${ack.at}::timestamptz)` : sql`read_at`,
      updated_at: sql`now()`,
    })
    .where('waha_message_id', '=', ack.wahaMessageId);
  if (ack.senderNumber !== undefined) query = query.where('sender_number', '=', ack.senderNumber);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/**
 * Whether a message sent from the sender's account is one of Herald's own sends: by its WAHA id,
 * or, when the event outruns the dispatcher's write of that id, by a send still in flight to the
 * same recipient.
 */
export async function isHeraldSend(
  db: Kysely<Database>,
  message: { senderNumber: string; wahaMessageId: string | null; recipient: string | null },
): Promise<boolean> {
  const row = await db
    .selectFrom('messages')
    .select('id')
    .where('sender_number', '=', message.senderNumber)
    .where((eb) => {
      const byId = message.wahaMessageId ? [eb('waha_message_id', '=', message.wahaMessageId)] : [];
      const inFlight = message.recipient
        ? [eb.and([eb('status', '=', 'SENDING'), eb('recipient', '=', message.recipient)])]
        : [];
      return eb.or([...byId, ...inFlight]);
    })
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}
