import { sql, type Transaction } from 'kysely';
import type { Database } from '../database.ts';
import { moveCampaignCounters } from './ledger.ts';

// Recipients who opted out. A suppression names one sender, or every sender (sender_number NULL).

/** For `messages m`: its recipient opted out of its sender (or of every sender). */
export const recipientSuppressed = sql<boolean>`EXISTS (
  SELECT 1 FROM suppressions sp
  WHERE sp.recipient = m.recipient
    AND (sp.sender_number = m.sender_number OR sp.sender_number IS NULL))`;

/**
 * A queued message whose recipient opted out after it was queued: SUPPRESSED (terminal), with its
 * campaign's counters. The caller holds the sender row.
 */
export async function suppressQueuedMessage(
  trx: Transaction<Database>,
  message: { id: number; campaign_id: number },
): Promise<void> {
  const changed = await trx
    .updateTable('messages')
    .set({
      status: 'SUPPRESSED',
      error_code: 'RECIPIENT_OPTED_OUT',
      error: 'the recipient opted out before this message was sent',
      finished_at: sql`now()`,
      updated_at: sql`now()`,
    })
    .where('id', '=', message.id)
    .where('status', '=', 'PENDING')
    .executeTakeFirst();
  if (changed.numUpdatedRows > 0n) {
    await moveCampaignCounters(trx, message.campaign_id, 'PENDING', 'SUPPRESSED');
  }
}
