import type { MessageStatus } from '@herald/domain';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from '../database.ts';

/**
 * Inserts a campaign's messages in one statement: two parallel arrays unnested server-side, so
 * 100k recipients cost one round-trip. Ids follow the arrays' order (the dispatcher sends a
 * sender's messages in id order), hence the explicit ORDER BY on the ordinality.
 */
export async function insertCampaignMessages(
  trx: Transaction<Database>,
  campaign: { id: number; sender_number: string },
  recipients: readonly string[],
  bodies: readonly string[],
): Promise<number> {
  if (recipients.length !== bodies.length) {
    throw new Error('recipients and bodies must have the same length');
  }
  const result = await sql`
    INSERT INTO messages (campaign_id, sender_number, recipient, body)
    SELECT ${campaign.id}::bigint, ${campaign.sender_number}::text, t.recipient, t.body
    FROM unnest(${recipients}::text[], ${bodies}::text[]) WITH ORDINALITY AS t(recipient, body, n)
    ORDER BY t.n`.execute(trx);
  return Number(result.numAffectedRows ?? 0);
}

export interface CampaignMessageRow {
  id: number;
  campaign_id: number;
  recipient: string;
  body: string;
  status: MessageStatus;
  error: string | null;
  error_code: string | null;
  attempts: number;
  sent_at: Date | null;
  delivered_at: Date | null;
  read_at: Date | null;
  waha_message_id: string | null;
  ack: number | null;
}

/**
 * A campaign's messages in sending order (by id), one page: after the message `after` (a cursor:
 * the last id of the previous page, served by messages_campaign_idx without scanning the skipped
 * rows), or from `offset`; without a limit, all of them.
 */
export function listCampaignMessages(
  db: Kysely<Database>,
  campaignId: number,
  page: { limit?: number; offset?: number; after?: number; status?: MessageStatus } = {},
): Promise<CampaignMessageRow[]> {
  let query = db
    .selectFrom('messages')
    .select([
      'id',
      'campaign_id',
      'recipient',
      'body',
      'status',
      'error',
      'error_code',
      'attempts',
      'sent_at',
      'delivered_at',
      'read_at',
      'waha_message_id',
      'ack',
    ])
    .where('campaign_id', '=', campaignId)
    .orderBy('id');
  if (page.after !== undefined) query = query.where('id', '>', page.after);
  if (page.status !== undefined) query = query.where('status', '=', page.status);
  if (page.limit !== undefined) query = query.limit(page.limit);
  if (page.offset) query = query.offset(page.offset);
  return query.execute();
}
