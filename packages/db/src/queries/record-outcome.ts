import {
  type DispatchOutcome,
  type HealthTrip,
  type MessageStatus,
  messageStatusAfter,
  retryFloorSeconds,
  sendResultOf,
  statusAfterRefusedSend,
  statusesReplacedBy,
  UNKNOWN_HOLD_REASON,
} from '@herald/domain';
import { sql, type Transaction } from 'kysely';
import type { Database } from '../database.ts';
import { cancelIfCampaignCancelled } from './campaign-controls.ts';
import { moveCampaignCounters } from './ledger.ts';
import { pauseForLogout, recordSendResult } from './sender-health.ts';

const NOW = sql<Date>`now()`;

export interface RecordOutcomeInput {
  messageId: number;
  senderNumber: string;
  workerId: number;
  /** The turn's lease token, to tell the caller whether it still holds the sender. */
  owner: string;
  outcome: DispatchOutcome;
  /** The extra gap before the sender's next send, drawn from its policy (`drawJitterSeconds`). */
  jitterSeconds?: number;
  /** After an UNKNOWN, the sender waits this long at most for its resolution (circuit breaker). */
  unknownHoldSeconds?: number;
}

export interface RecordOutcomeResult {
  /** The message's status before (SENDING, or UNKNOWN if a sweep gave it up), null if untouched. */
  previous: MessageStatus | null;
  status: MessageStatus | null;
  leaseHeld: boolean;
  /** The health rule tripped on this outcome (or WhatsApp logged the number out): now paused. */
  healthTrip: HealthTrip | null;
}

/**
 * Records a WAHA call's outcome in one transaction: the message row, its campaign's counters and
 * completion, the sender's pacing (`last_sent_at`, the end of the call, and `next_send_at`, the floor
 * a retry's backoff sets; see `senderDueAt`) and the worker's (`last_sender_number`,
 * `last_send_done_at`, in-flight marker cleared).
 * A message a sweep already gave up as UNKNOWN (our lease lapsed mid-call) still takes a definitive
 * SENT or FAILED, which is the truth, with its counters moving out of UNKNOWN.
 */
export async function recordOutcome(
  trx: Transaction<Database>,
  input: RecordOutcomeInput,
): Promise<RecordOutcomeResult> {
  const { outcome, senderNumber } = input;
  const sender = await sql<{ lease_held: boolean }>`
    UPDATE senders s SET
      last_sent_at = now(),
      next_send_at = now() + make_interval(secs => ${retryFloorSeconds(outcome, input.unknownHoldSeconds)}::float8),
      jitter_seconds = ${input.jitterSeconds ?? 0}::float8,
      held_reason = ${holdReasonAfter(outcome, input.unknownHoldSeconds)}::text,
      updated_at = now()
    WHERE s.phone_number = ${senderNumber}
    RETURNING (s.lease_owner = ${input.owner} AND s.lease_expires_at > now()) AS lease_held
  `.execute(trx);

  const workerDown = outcome.kind === 'PAUSE_WORKER';
  await sql`
    UPDATE workers SET
      last_sender_number = ${senderNumber},
      last_send_done_at = now(),
      inflight_sender_number = CASE WHEN inflight_sender_number = ${senderNumber}
                                    THEN NULL ELSE inflight_sender_number END,
      inflight_until = CASE WHEN inflight_sender_number = ${senderNumber}
                            THEN NULL ELSE inflight_until END,
      healthy = healthy AND NOT ${workerDown}::boolean,
      last_error = CASE WHEN ${workerDown}::boolean THEN ${outcome.kind === 'PAUSE_WORKER' ? outcome.error : null} ELSE last_error END,
      -- Let the health prober look at it right away rather than at its next scheduled probe.
      next_probe_at = CASE WHEN ${workerDown}::boolean THEN LEAST(next_probe_at, now()) ELSE next_probe_at END,
      updated_at = now()
    WHERE id = ${input.workerId}
  `.execute(trx);

  const to = messageStatusAfter(outcome);
  const from = statusesReplacedBy(outcome);
  const changed = (
    await sql<{ campaign_id: number; previous: MessageStatus }>`
      WITH old AS (
        SELECT id, status FROM messages
        WHERE id = ${input.messageId} AND status = ANY(${from}::text[])
        FOR UPDATE
      )
      UPDATE messages m SET ${messageChanges(outcome)}, updated_at = now()
      FROM old WHERE m.id = old.id
      RETURNING m.campaign_id, old.status AS previous
    `.execute(trx)
  ).rows[0];
  if (changed) await moveCampaignCounters(trx, changed.campaign_id, changed.previous, to);
  if (changed && to === 'PENDING') await cancelIfCampaignCancelled(trx, input.messageId);

  const result = sendResultOf(outcome);
  let healthTrip = result
    ? await recordSendResult(trx, senderNumber, input.messageId, result)
    : null;
  if (outcome.kind === 'PAUSE_SESSION') {
    healthTrip = await pauseSession(trx, senderNumber, input.workerId, outcome.wahaStatus);
  } else if (outcome.kind === 'SENT') {
    // A send is activity of the linked device: WhatsApp's 30-day inactivity clock restarts.
    await trx
      .updateTable('sessions')
      .set({ device_active_at: NOW, updated_at: NOW })
      .where('phone_number', '=', senderNumber)
      .execute();
  }
  return {
    previous: changed?.previous ?? null,
    status: changed ? to : null,
    leaseHeld: sender.rows[0]?.lease_held ?? false,
    healthTrip,
  };
}

function holdReasonAfter(outcome: DispatchOutcome, unknownHoldSeconds = 0): string | null {
  return outcome.kind === 'UNKNOWN' && unknownHoldSeconds > 0 ? UNKNOWN_HOLD_REASON : null;
}

function messageChanges(outcome: DispatchOutcome) {
  switch (outcome.kind) {
    case 'SENT':
      return sql`status = 'SENT', waha_message_id = ${outcome.wahaMessageId}, error_code = NULL,
        error = NULL, sent_at = now(), finished_at = now()`;
    case 'FAILED':
    case 'UNKNOWN':
      return sql`status = ${outcome.kind}, error_code = ${outcome.code}, error = ${outcome.error},
        finished_at = now()`;
    case 'RETRY':
      return sql`status = 'PENDING', error_code = ${outcome.code}, error = ${outcome.error},
        sending_at = NULL`;
    case 'PAUSE_SESSION':
    case 'PAUSE_WORKER':
      // Not the message's fault: the attempt does not count towards MAX_ATTEMPTS.
      return sql`status = 'PENDING', attempts = GREATEST(m.attempts - 1, 0),
        error_code = ${outcome.code}, error = ${outcome.error}, sending_at = NULL`;
  }
}

/**
 * The session left WORKING: record what WAHA said, so the sender stays paused until it is back.
 * Only while the session still lives on the worker that answered: a number re-placed on another
 * worker during the call has a new session there, which this answer says nothing about.
 * Logged out (or banned) mid-campaign, the sender is also paused for HEALTH until an admin resumes.
 */
async function pauseSession(
  trx: Transaction<Database>,
  senderNumber: string,
  workerId: number,
  reported: string | null,
): Promise<HealthTrip | null> {
  const session = await trx
    .selectFrom('sessions')
    .select(['status', 'me_id', 'connected_at'])
    .where('phone_number', '=', senderNumber)
    .where('worker_id', '=', workerId)
    .executeTakeFirst();
  if (!session) return null;
  const change = statusAfterRefusedSend(session, reported);
  if (!change) return null;
  const { status, waha } = change;
  await trx
    .updateTable('sessions')
    .set({
      status,
      ...(waha ? { waha_status: waha } : {}),
      ...(status === session.status ? {} : { status_changed_at: NOW }),
      updated_at: NOW,
    })
    .where('phone_number', '=', senderNumber)
    .where('worker_id', '=', workerId)
    .execute();
  if (status !== 'EXPIRED') return null;
  return pauseForLogout(trx, senderNumber, waha ?? reported);
}
