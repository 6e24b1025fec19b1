import type { MessageStatus } from '@herald/domain';
import { sql, type Transaction } from 'kysely';
import type { Database } from '../database.ts';

const COUNTER: Record<MessageStatus, string> = {
  PENDING: 'pending_messages',
  SENDING: 'sending_messages',
  SENT: 'sent_messages',
  FAILED: 'failed_messages',
  UNKNOWN: 'unknown_messages',
  CANCELLED: 'cancelled_messages',
  SUPPRESSED: 'suppressed_messages',
};

/**
 * Moves `count` messages of a campaign from one ledger status to another in its counters, and
 * settles the campaign's status in the same statement: IN_PROGRESS (with started_at) on the first
 * claim, COMPLETED or COMPLETED_WITH_ERRORS (with completed_at) once nothing is pending or sending.
 * A CANCELLED campaign stays CANCELLED: its message in flight may still end after the cancel.
 * Counters only ever move relatively, in the transaction that changes the message rows, so the
 * table's CHECK (they add up to total_messages) holds at every commit.
 */
export async function moveCampaignCounters(
  trx: Transaction<Database>,
  campaignId: number,
  from: MessageStatus,
  to: MessageStatus,
  count = 1,
): Promise<void> {
  if (from === to || count === 0) return;
  await sql`
    UPDATE campaigns SET ${campaignCounterChanges(from, to, count)}
    WHERE id = ${campaignId}
  `.execute(trx);
}

/**
 * The SET list of `moveCampaignCounters`, for statements that move a campaign's counters together
 * with the rows they count (the claim, an outcome).
 */
export function campaignCounterChanges(from: MessageStatus, to: MessageStatus, count = 1) {
  const delta = (status: MessageStatus) =>
    (status === to ? count : 0) - (status === from ? count : 0);
  const dPending = delta('PENDING');
  const dSending = delta('SENDING');
  const dFailed = delta('FAILED');
  const dUnknown = delta('UNKNOWN');
  const claiming = to === 'SENDING';
  // SET expressions see the row as it was, so "after" values are written as old value + delta.
  const openAfter = sql`pending_messages + ${sql.lit(dPending)}::int + sending_messages + ${sql.lit(dSending)}::int`;
  const errorsAfter = sql`failed_messages + ${sql.lit(dFailed)}::int + unknown_messages + ${sql.lit(dUnknown)}::int`;
  return sql`
      ${sql.raw(COUNTER[from])} = ${sql.raw(COUNTER[from])} - ${sql.lit(count)}::int,
      ${sql.raw(COUNTER[to])} = ${sql.raw(COUNTER[to])} + ${sql.lit(count)}::int,
      status = CASE
        WHEN status = 'CANCELLED' THEN status
        WHEN ${openAfter} = 0 THEN
          CASE WHEN ${errorsAfter} > 0 THEN 'COMPLETED_WITH_ERRORS' ELSE 'COMPLETED' END
        WHEN status = 'PENDING' AND ${sql.lit(claiming)} THEN 'IN_PROGRESS'
        ELSE status
      END,
      started_at = CASE WHEN ${sql.lit(claiming)} THEN COALESCE(started_at, now()) ELSE started_at END,
      completed_at = CASE WHEN ${openAfter} = 0 THEN COALESCE(completed_at, now()) ELSE completed_at END,
      updated_at = now()`;
}

/**
 * Marks every SENDING message of these senders UNKNOWN: their dispatcher stopped holding the lease
 * (it died, or stalled past it) while a WAHA call may have been under way, so whether WhatsApp got
 * the message cannot be known. They are never sent again. Worker in-flight markers that still name
 * these senders are cleared, so other senders on the worker stop waiting for them.
 * The caller holds the sender rows (lock order: senders, workers, messages, campaigns).
 */
export async function markSendingLost(
  trx: Transaction<Database>,
  senderNumbers: readonly string[],
): Promise<number> {
  if (senderNumbers.length === 0) return 0;
  const senders = [...senderNumbers];
  await trx
    .updateTable('workers')
    .set({ inflight_sender_number: null, inflight_until: null, updated_at: sql`now()` })
    .where('inflight_sender_number', 'in', senders)
    .execute();
  const lost = await trx
    .updateTable('messages')
    .set({
      status: 'UNKNOWN',
      error_code: 'DISPATCHER_LOST',
      error: 'the dispatcher sending this message stopped before its outcome was recorded',
      finished_at: sql`now()`,
      updated_at: sql`now()`,
    })
    .where('sender_number', 'in', senders)
    .where('status', '=', 'SENDING')
    .returning('campaign_id')
    .execute();
  const perCampaign = new Map<number, number>();
  for (const { campaign_id } of lost) {
    perCampaign.set(campaign_id, (perCampaign.get(campaign_id) ?? 0) + 1);
  }
  for (const [campaignId, count] of [...perCampaign].sort(([a], [b]) => a - b)) {
    await moveCampaignCounters(trx, campaignId, 'SENDING', 'UNKNOWN', count);
  }
  return lost.length;
}
