import { sql, type Transaction } from 'kysely';
import type { Database } from '../database.ts';
import { campaignClaimable } from './claimable.ts';
import { type LeaseInput, leaseUntil } from './leases.ts';
import { campaignCounterChanges } from './ledger.ts';

/** One claim's write: the message to move to SENDING for the turn holding `owner`. */
export interface SendingMark extends LeaseInput {
  messageId: number;
  workerId: number;
  burstRun: number;
  firstConnectedAt: Date | null;
  /** A sender-switch delay is in force: the worker's in-flight marker is what it reads. */
  pacesWorker: boolean;
}

/**
 * The claims' write, one statement for any number of senders (one message each, so each campaign
 * moves by one): each message to SENDING (only if still PENDING in a campaign that may send, read
 * afresh now that the sender rows are locked), its campaign's counters, its worker's in-flight
 * marker (only under a sender-switch delay, the one reader: else the worker's row is left alone, so
 * the senders of one worker never queue on its lock), its sender's lease and policy state, and the hand-off the caps count (whose result the
 * health rule reads). A message that changed is left alone and missing from the answer.
 */
export async function markSendingMany(
  trx: Transaction<Database>,
  marks: readonly SendingMark[],
): Promise<Map<number, { attempts: number; attempts_before_retry: number }>> {
  if (marks.length === 0) return new Map();
  // Every lease of a batch is as long (one dispatcher's setting).
  const until = leaseUntil(Math.max(...marks.map((m) => m.leaseSeconds)));
  const column = <T>(pick: (m: SendingMark) => T) => marks.map(pick);
  const { rows } = await sql<{ id: number; attempts: number; attempts_before_retry: number }>`
    WITH input AS (
      SELECT * FROM unnest(${column((m) => m.messageId)}::bigint[],
        ${column((m) => m.senderNumber)}::text[], ${column((m) => m.owner)}::text[],
        ${column((m) => m.workerId)}::bigint[], ${column((m) => m.burstRun)}::int[],
        ${column((m) => m.firstConnectedAt)}::timestamptz[], ${column((m) => m.pacesWorker)}::bool[])
        AS i(message_id, sender_number, owner, worker_id, burst_run, first_connected_at, paces_worker)
    ), msg AS (
      UPDATE messages m SET status = 'SENDING', attempts = m.attempts + 1, claimed_by = i.owner,
        sending_at = now(), updated_at = now()
      FROM input i
      -- Every table is reached through its key, as arrays (= ANY), the campaign asked of each
      -- message: a join the planner could start from the campaigns would read every PENDING
      -- message of every claimable campaign, on every batch.
      WHERE m.id = ANY(${column((m) => m.messageId)}::bigint[]) AND i.message_id = m.id
        AND m.status = 'PENDING'
        AND (SELECT ${campaignClaimable} FROM campaigns c WHERE c.id = m.campaign_id)
      RETURNING m.id, m.campaign_id, m.attempts, m.attempts_before_retry, i.sender_number,
        i.worker_id, i.burst_run, i.first_connected_at, i.paces_worker
    ), counters AS (
      UPDATE campaigns SET ${campaignCounterChanges('PENDING', 'SENDING')}
      WHERE id = ANY(ARRAY(SELECT campaign_id FROM msg))
    ), worker AS (
      UPDATE workers w SET inflight_sender_number = x.sender_number, inflight_until = ${until}
      FROM (SELECT DISTINCT ON (worker_id) worker_id, sender_number FROM msg WHERE paces_worker
            ORDER BY worker_id, id DESC) x
      WHERE w.id = ANY(ARRAY(SELECT worker_id FROM msg WHERE paces_worker)) AND w.id = x.worker_id
    ), sender AS (
      -- The claim renews the lease it holds locked: the heartbeat skips locked senders.
      UPDATE senders s SET lease_expires_at = ${until}, burst_run = msg.burst_run,
        held_reason = NULL,
        first_connected_at = COALESCE(s.first_connected_at, msg.first_connected_at, now()),
        updated_at = now()
      FROM msg
      WHERE s.phone_number = ANY(${column((m) => m.senderNumber)}::text[])
        AND s.phone_number = msg.sender_number
    ), handed_off AS (
      INSERT INTO sender_sends (sender_number, message_id, sent_at)
      SELECT sender_number, id, now() FROM msg
    )
    SELECT id, attempts, attempts_before_retry FROM msg
  `.execute(trx);
  return new Map(rows.map((row) => [Number(row.id), row]));
}
