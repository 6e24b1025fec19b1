import { sql, type Transaction } from 'kysely';
import type { Database } from '../database.ts';
import { campaignClaimable } from './claimable.ts';
import { type LeaseInput, leaseUntil } from './leases.ts';
import { campaignCounterChanges } from './ledger.ts';

/**
 * The claim's write, one statement: the message to SENDING (only if still PENDING in a campaign
 * that may send, read afresh now that the sender row is locked), its campaign's counters, the
 * worker's in-flight marker (when tracked), the sender's lease and policy state, and the hand-off
 * the caps count (whose result the health rule reads). Nothing is written if the message changed.
 */
export async function markSending(
  trx: Transaction<Database>,
  input: LeaseInput,
  claim: {
    messageId: number;
    workerId: number;
    burstRun: number;
    firstConnectedAt: Date | null;
  },
) {
  const { senderNumber, owner, leaseSeconds } = input;
  const row = await sql<{ attempts: number; attempts_before_retry: number }>`
    WITH msg AS (
      UPDATE messages m SET status = 'SENDING', attempts = m.attempts + 1, claimed_by = ${owner},
        sending_at = now(), updated_at = now()
      WHERE m.id = ${claim.messageId} AND m.status = 'PENDING'
        AND EXISTS (SELECT 1 FROM campaigns c WHERE c.id = m.campaign_id AND ${campaignClaimable})
      RETURNING m.campaign_id, m.attempts, m.attempts_before_retry
    ), counters AS (
      UPDATE campaigns SET ${campaignCounterChanges('PENDING', 'SENDING')}
      WHERE id IN (SELECT campaign_id FROM msg)
    ), worker AS (
      UPDATE workers SET inflight_sender_number = ${senderNumber},
        inflight_until = ${leaseUntil(leaseSeconds)}
      WHERE id = ${claim.workerId} AND EXISTS (SELECT 1 FROM msg)
    ), sender AS (
      UPDATE senders SET lease_expires_at = ${leaseUntil(leaseSeconds)},
        burst_run = ${claim.burstRun}, held_reason = NULL,
        first_connected_at = COALESCE(first_connected_at, ${claim.firstConnectedAt}::timestamptz, now()),
        updated_at = now()
      WHERE phone_number = ${senderNumber} AND EXISTS (SELECT 1 FROM msg)
    ), handed_off AS (
      INSERT INTO sender_sends (sender_number, message_id, sent_at)
      SELECT ${senderNumber}, ${claim.messageId}, now() FROM msg
    )
    SELECT attempts, attempts_before_retry FROM msg
  `.execute(trx);
  return row.rows[0];
}
