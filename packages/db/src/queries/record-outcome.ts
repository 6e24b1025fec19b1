import {
  DEFAULT_WORKER_BREAKER,
  type DispatchOutcome,
  type HealthTrip,
  type MessageStatus,
  messageStatusAfter,
  retryFloorSeconds,
  type SenderPolicy,
  senderHoldSeconds,
  sendResultOf,
  statusAfterRefusedSend,
  statusesReplacedBy,
  UNKNOWN_HOLD_REASON,
  type WorkerBreakerSettings,
} from '@herald/domain';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from '../database.ts';
import { cancelIfCampaignCancelled } from './campaign-controls.ts';
import { campaignCounterChanges } from './ledger.ts';
import { applyHealthRule, handOffResultWrite, pauseForLogout } from './sender-health.ts';
import { deviceActivityStale } from './session-activity.ts';
import { breakerChanges, trippedNow } from './worker-breaker.ts';

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
  /**
   * No earlier than the WAHA call's return, by the database's clock: the sender's next send is
   * paced from it (or from this record, if that is sooner). Absent: from this record.
   */
  returnedAt?: Date | null;
  /** The policy in force at the claim: without a health rule, none is applied. Default: read it. */
  policy?: SenderPolicy;
  /** After an UNKNOWN, the sender waits this long at most for its resolution (circuit breaker). */
  unknownHoldSeconds?: number;
  /** The worker's circuit breaker (timeouts and resets in a window); default: the domain's. */
  workerBreaker?: WorkerBreakerSettings;
}

export interface RecordOutcomeResult {
  /** The message's status before (SENDING, or UNKNOWN if a sweep gave it up), null if untouched. */
  previous: MessageStatus | null;
  status: MessageStatus | null;
  leaseHeld: boolean;
  /** The health rule tripped on this outcome (or WhatsApp logged the number out): now paused. */
  healthTrip: HealthTrip | null;
  /** This outcome tripped the worker's circuit breaker: the worker is degraded. */
  workerDegraded: boolean;
}

/**
 * Records a WAHA call's outcome atomically, in one statement when it can, else one transaction:
 * the message row (a retry's `retry_at`), its campaign's counters and completion, the sender's
 * pacing (`last_sent_at`, the end of the call; see `senderDueAt`) and the worker's
 * (`last_sender_number`, `last_send_done_at`, in-flight marker cleared).
 * A message a sweep already gave up as UNKNOWN (our lease lapsed mid-call) still takes a definitive
 * SENT or FAILED, which is the truth, with its counters moving out of UNKNOWN.
 */
export async function recordOutcome(
  trx: Kysely<Database>,
  input: RecordOutcomeInput,
): Promise<RecordOutcomeResult> {
  const { outcome, senderNumber, messageId } = input;
  const workerDown = outcome.kind === 'PAUSE_WORKER';
  const to = messageStatusAfter(outcome);
  const from = statusesReplacedBy(outcome);
  const result = sendResultOf(outcome);
  const checksHealth =
    result !== null && result !== 'NONE' && (input.policy ? input.policy.health !== null : true);
  // A send, a failure or an UNKNOWN without a health rule is one statement, atomic on its own;
  // anything more (a cancel to honour, the health rule, a session to pause) takes a transaction.
  const oneStatement = to !== 'PENDING' && outcome.kind !== 'PAUSE_SESSION' && !checksHealth;
  if (!oneStatement && !trx.isTransaction) {
    return trx.transaction().execute((t) => recordOutcome(t, input));
  }
  const breakerSettings = input.workerBreaker ?? DEFAULT_WORKER_BREAKER;
  const breaker = breakerChanges(outcome, breakerSettings);
  // One statement for the common case. Its parts lock in the order of the hot path: the sender,
  // then the message (and the worker), then the campaign.
  const row = (
    await sql<{
      lease_held: boolean | null;
      campaign_id: number | null;
      previous: MessageStatus | null;
      worker_degraded: boolean;
    }>`
      WITH sender AS (
        UPDATE senders s SET
          last_sent_at = LEAST(now(), ${input.returnedAt ?? null}::timestamptz),
          next_send_at = now() + make_interval(secs => ${senderHoldSeconds(outcome, input.unknownHoldSeconds)}::float8),
          jitter_seconds = ${input.jitterSeconds ?? 0}::float8,
          held_reason = ${holdReasonAfter(outcome, input.unknownHoldSeconds)}::text,
          updated_at = now()
        WHERE s.phone_number = ${senderNumber}
        RETURNING (s.lease_owner = ${input.owner} AND s.lease_expires_at > now()) AS lease_held
      ), worker AS (
        UPDATE workers SET
          last_sender_number = ${senderNumber},
          last_send_done_at = now(),
          inflight_sender_number = CASE WHEN inflight_sender_number = ${senderNumber}
                                        THEN NULL ELSE inflight_sender_number END,
          inflight_until = CASE WHEN inflight_sender_number = ${senderNumber}
                                THEN NULL ELSE inflight_until END,
          breaker_failures = ${breaker.breakerFailures},
          breaker_window_started_at = ${breaker.breakerWindowStartedAt},
          degraded_until = ${breaker.degradedUntil},
          healthy = healthy AND NOT ${workerDown}::boolean AND NOT ${breaker.trips},
          last_error = CASE WHEN ${workerDown}::boolean THEN ${outcome.kind === 'PAUSE_WORKER' ? outcome.error : null}
                            WHEN ${breaker.trips} THEN ${breaker.reason} ELSE last_error END,
          -- Let the health prober look at it right away rather than at its next scheduled probe;
          -- a degraded worker, once its cool-down is over.
          next_probe_at = CASE WHEN ${workerDown}::boolean THEN LEAST(next_probe_at, now())
                               WHEN ${breaker.trips} THEN now() + make_interval(secs => ${breakerSettings.cooldownSeconds}::float8)
                               ELSE next_probe_at END,
          updated_at = now()
        WHERE id = ${input.workerId}
        RETURNING ${trippedNow(breakerSettings)} AS degraded
      ), old AS (
        SELECT id, status FROM messages
        WHERE id = ${messageId} AND status = ANY(${from}::text[])
        FOR UPDATE
      ), msg AS (
        UPDATE messages m SET ${messageChanges(outcome)}, updated_at = now()
        FROM old WHERE m.id = old.id
        RETURNING m.campaign_id, old.status AS previous
      ), counters AS (
        UPDATE campaigns SET ${campaignCounterChanges('SENDING', to)}
        WHERE id IN (SELECT campaign_id FROM msg WHERE previous = 'SENDING')
      ), ${
        // A sweep gave it up meanwhile (our lease lapsed mid-call): the counters move out of UNKNOWN.
        from.includes('UNKNOWN')
          ? sql`counters_after_unknown AS (
        UPDATE campaigns SET ${campaignCounterChanges('UNKNOWN', to)}
        WHERE id IN (SELECT campaign_id FROM msg WHERE previous = 'UNKNOWN')
      ),`
          : sql``
      } hand_off AS (
        ${handOffResultWrite(senderNumber, messageId, result)}
      ), device AS (
        -- A send is activity of the linked device: WhatsApp's 30-day inactivity clock restarts.
        UPDATE sessions SET device_active_at = now(), updated_at = now()
        WHERE phone_number = ${senderNumber} AND ${outcome.kind === 'SENT'}::boolean
          AND ${deviceActivityStale}
      )
      SELECT (SELECT lease_held FROM sender) AS lease_held, msg.campaign_id, msg.previous,
             COALESCE((SELECT degraded FROM worker), false) AS worker_degraded
      FROM (SELECT 1) one LEFT JOIN msg ON true
    `.execute(trx)
  ).rows[0];
  const changed = row?.campaign_id != null && row.previous ? row : null;
  if (changed && to === 'PENDING')
    await cancelIfCampaignCancelled(trx as Transaction<Database>, messageId);
  let healthTrip = checksHealth ? await applyHealthRule(trx, senderNumber) : null;
  if (outcome.kind === 'PAUSE_SESSION') {
    healthTrip = await pauseSession(
      trx as Transaction<Database>,
      senderNumber,
      input.workerId,
      outcome.wahaStatus,
    );
  }
  return {
    previous: changed?.previous ?? null,
    status: changed ? to : null,
    leaseHeld: row?.lease_held ?? false,
    healthTrip,
    workerDegraded: row?.worker_degraded ?? false,
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
        sending_at = NULL,
        retry_at = now() + make_interval(secs => ${retryFloorSeconds(outcome)}::float8)`;
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
