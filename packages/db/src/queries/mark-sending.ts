import { sql, type Transaction } from 'kysely';
import type { Database } from '../database.ts';
import { planOnce } from '../plan-once.ts';
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
  /** When the WAHA call may start (a claim made ahead of the sender's due time): `sending_at`. */
  sendableAt: Date;
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
  const ids = column((m) => m.messageId);
  // Each table is reached by its keys (`= ANY`) and each row finds its input by its position in
  // the arrays (`k`), never by a join with the input: with the few rows the planner expects of an
  // UPDATE's answer, such a join becomes a nested loop that reads the whole input once per row.
  const { rows } = await sql<{
    id: number;
    attempts: number;
    attempts_before_retry: number;
  }>`${planOnce}
    WITH input AS (
      SELECT ${ids}::bigint[] AS ids, ${column((m) => m.senderNumber)}::text[] AS senders,
        ${column((m) => m.owner)}::text[] AS owners, ${column((m) => m.workerId)}::bigint[] AS workers,
        ${column((m) => m.burstRun)}::int[] AS burst_runs,
        ${column((m) => m.firstConnectedAt)}::timestamptz[] AS first_connected,
        ${column((m) => m.pacesWorker)}::bool[] AS paces,
        ${column((m) => m.sendableAt)}::timestamptz[] AS sendable
    ), msg AS (
      UPDATE messages m SET status = 'SENDING', attempts = m.attempts + 1,
        claimed_by = i.owners[array_position(i.ids, m.id)],
        sending_at = GREATEST(now(), i.sendable[array_position(i.ids, m.id)]), updated_at = now()
      FROM input i
      -- The campaign is asked of each message: a join the planner could start from the campaigns
      -- would read every PENDING message of every claimable campaign, on every batch. The status
      -- is tested with IS NOT DISTINCT FROM (the same for a NOT NULL column), which no partial
      -- index on PENDING messages matches: with an equality, after a large submit the planner took such
      -- an index for a few rows and intersected all of it with the ids (20,000 entries a batch).
      WHERE m.id = ANY(${ids}::bigint[]) AND m.status IS NOT DISTINCT FROM 'PENDING'
        AND (SELECT ${campaignClaimable} FROM campaigns c WHERE c.id = m.campaign_id)
      RETURNING m.id, m.campaign_id, m.attempts, m.attempts_before_retry,
        array_position(i.ids, m.id) AS k
    ), claimed AS (
      SELECT msg.id, msg.campaign_id, i.senders[k] AS sender_number, i.workers[k] AS worker_id,
        i.burst_runs[k] AS burst_run, i.first_connected[k] AS first_connected_at,
        i.paces[k] AS paces_worker
      FROM msg, input i
    ), counters AS (
      UPDATE campaigns SET ${campaignCounterChanges('PENDING', 'SENDING')}
      WHERE id = ANY(ARRAY(SELECT campaign_id FROM msg))
    ), worker AS (
      UPDATE workers w SET inflight_sender_number = x.sender_number, inflight_until = ${until}
      FROM (SELECT DISTINCT ON (worker_id) worker_id, sender_number FROM claimed WHERE paces_worker
            ORDER BY worker_id, id DESC) x
      WHERE w.id = ANY(ARRAY(SELECT worker_id FROM claimed WHERE paces_worker)) AND w.id = x.worker_id
    ), sender AS (
      -- The claim renews the lease it holds locked: the heartbeat skips locked senders.
      UPDATE senders s SET lease_expires_at = ${until}, burst_run = c.burst_run,
        held_reason = NULL,
        first_connected_at = COALESCE(s.first_connected_at, c.first_connected_at, now()),
        updated_at = now()
      FROM claimed c
      WHERE s.phone_number = c.sender_number
    ), handed_off AS (
      INSERT INTO sender_sends (sender_number, message_id, sent_at)
      SELECT sender_number, id, now() FROM claimed
    )
    SELECT id, attempts, attempts_before_retry FROM msg
  `.execute(trx);
  return new Map(rows.map((row) => [Number(row.id), row]));
}
