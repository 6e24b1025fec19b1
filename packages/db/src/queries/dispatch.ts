import {
  type PacingDelay,
  type SenderPolicy,
  type SessionStatus,
  type WaitReason,
  type WorkerTier,
  workerDueAt,
} from '@herald/domain';
import { sql, type Transaction } from 'kysely';
import type { Database } from '../database.ts';
import { campaignClaimable } from './claimable.ts';
import { type LeaseInput, leaseUntil } from './leases.ts';
import { moveCampaignCounters } from './ledger.ts';
import {
  ceilToMilliseconds,
  delaysInForce,
  senderDueAt,
  senderDueReason,
  withDelaySettings,
} from './pacing.ts';
import { type PauseReason, pauseReason, sessionAndWorker } from './send-readiness.ts';
import { withSenderPolicies } from './sender-policy.ts';
import { decideForSender, type PolicyFactRow, policyFactColumns } from './sending-state.ts';
import { recipientSuppressed, suppressQueuedMessage } from './suppressions.ts';

// The dispatcher's hot path. Every transaction that locks takes its rows in one order (senders,
// workers, messages, campaigns, sessions) so concurrent turns, outcomes and sweeps cannot deadlock.
// All times are the database's `now()`, never a process clock, so every dispatcher agrees.

const NOW = sql<Date>`now()`;

export interface ClaimedMessage {
  id: number;
  campaignId: number;
  recipient: string;
  body: string;
  mediaUrl: string | null;
  /** Including this attempt, counted since the last retry of its campaign re-queued it. */
  attempts: number;
}

export interface SendTarget {
  workerId: number;
  url: string;
  apiKey: string;
  tier: WorkerTier | null;
  wahaSession: string;
}

export type ClaimResult =
  | { kind: 'lost' }
  | { kind: 'paused'; reason: PauseReason; sessionStatus: SessionStatus | null }
  | { kind: 'empty' }
  | { kind: 'wait'; now: Date; until: Date; reason: string }
  /** The sender policy holds the sender until `until`: end the turn, the next starts then. */
  | { kind: 'held'; now: Date; until: Date; reason: WaitReason }
  | {
      kind: 'claimed';
      now: Date;
      message: ClaimedMessage;
      target: SendTarget;
      /** In force for this send (its outcome draws the jitter from it). */
      policy: SenderPolicy;
      /** The earliest time pacing allowed this send (for the pacing-lag metric). */
      dueAt: Date;
    };

/** A claim marks at most this many suppressed messages before it looks again in a new one. */
const SUPPRESSED_PER_CLAIM = 100;

interface SenderState extends PolicyFactRow {
  lease_owner: string | null;
  lease_expires_at: Date | null;
  now: Date;
  pause_reason: PauseReason | null;
  session_status: SessionStatus | null;
  waha_session: string | null;
  worker_id: number | null;
  url: string | null;
  api_key: string | null;
  tier: WorkerTier | null;
  must_wait: boolean;
  due_at: Date;
  due_reason: string;
  switch_delay: number;
}

/**
 * One claim, in one transaction committed before the WAHA call: checks that we still hold the
 * lease, that the sender can send, that its pacing (`senderDueAt`: message delay, retry backoff)
 * and its worker's pacing (sender-switch delay, another sender in flight) allow a send now, then
 * moves the sender's oldest claimable message to SENDING and marks the worker busy with it. The
 * delays are read here, on every claim, so a changed setting applies from the next send.
 * Campaign controls (pause, cancel…) lock the sender row too, so a control that returned is seen
 * by every later claim and none is half-way between its check and its commit.
 */
export async function claimNextMessage(
  trx: Transaction<Database>,
  input: LeaseInput,
): Promise<ClaimResult> {
  const { senderNumber, owner, leaseSeconds } = input;
  const sender = (
    await sql<SenderState>`
      SELECT s.lease_owner, s.lease_expires_at, now() AS now,
             ${pauseReason} AS pause_reason, ses.status AS session_status, ses.waha_session,
             w.id AS worker_id, w.url, w.api_key, w.tier,
             ${senderDueAt} > now() AS must_wait,
             ${ceilToMilliseconds(senderDueAt)} AS due_at, ${senderDueReason} AS due_reason,
             ${delaysInForce.senderSwitch} AS switch_delay, ${policyFactColumns}
      FROM senders s ${withDelaySettings} ${sessionAndWorker} ${withSenderPolicies}
      WHERE s.phone_number = ${senderNumber}
      FOR UPDATE OF s
    `.execute(trx)
  ).rows[0];
  if (!sender || sender.lease_owner !== owner) return { kind: 'lost' };
  if (!sender.lease_expires_at || sender.lease_expires_at <= sender.now) return { kind: 'lost' };
  const { now } = sender;
  if (sender.pause_reason) {
    return { kind: 'paused', reason: sender.pause_reason, sessionStatus: sender.session_status };
  }
  const target = sendTargetOf(sender);

  const next = await nextClaimableMessage(trx, senderNumber);
  if (next === 'MORE') return { kind: 'wait', now, until: now, reason: 'SUPPRESSED' };
  if (!next) return { kind: 'empty' };
  const { policy, decision } = await decideForSender(trx, senderNumber, sender, now);
  if (decision.state === 'WAITING') {
    await holdSender(trx, senderNumber, decision.resumesAt, decision.reason);
    return { kind: 'held', now, until: decision.resumesAt, reason: decision.reason };
  }
  if (sender.must_wait) {
    return waitAndRenew(trx, input, now, { at: sender.due_at, reason: sender.due_reason });
  }

  const worker = await trx
    .selectFrom('workers')
    .select(['last_sender_number', 'last_send_done_at', 'inflight_sender_number', 'inflight_until'])
    .where('id', '=', target.workerId)
    .forUpdate()
    .executeTakeFirstOrThrow();
  const waitForWorker = workerDueAt({
    now,
    senderNumber,
    switchDelaySeconds: sender.switch_delay,
    lastSenderNumber: worker.last_sender_number,
    lastSendDoneAt: worker.last_send_done_at,
    inflightSenderNumber: worker.inflight_sender_number,
    inflightUntil: worker.inflight_until,
  });
  if (waitForWorker) return waitAndRenew(trx, input, now, waitForWorker);

  const claimed = await trx
    .updateTable('messages')
    .set({
      status: 'SENDING',
      attempts: sql<number>`attempts + 1`,
      claimed_by: owner,
      sending_at: NOW,
      updated_at: NOW,
    })
    .where('id', '=', next.id)
    .where('status', '=', 'PENDING')
    .returning(['attempts', 'attempts_before_retry'])
    .executeTakeFirst();
  // Changed since we read it (a cancel, say): look again straight away.
  if (!claimed) return { kind: 'wait', now, until: now, reason: 'MESSAGE_CHANGED' };
  await moveCampaignCounters(trx, next.campaign_id, 'PENDING', 'SENDING');
  await trx
    .updateTable('workers')
    .set({ inflight_sender_number: senderNumber, inflight_until: leaseUntil(leaseSeconds) })
    .where('id', '=', target.workerId)
    .execute();
  await trx
    .updateTable('senders')
    .set({
      lease_expires_at: leaseUntil(leaseSeconds),
      burst_run: decision.burstRun,
      held_reason: null,
      first_connected_at: sql`COALESCE(first_connected_at, ${sender.first_connected_at}, now())`,
      updated_at: NOW,
    })
    .where('phone_number', '=', senderNumber)
    .execute();
  // The hand-off the caps count, and whose result the health rule reads.
  await trx
    .insertInto('sender_sends')
    .values({ sender_number: senderNumber, message_id: next.id, sent_at: NOW })
    .execute();
  return {
    kind: 'claimed',
    policy,
    now,
    // Due once the sender's pacing allowed it and the message was waiting (created or requeued).
    dueAt: new Date(Math.max(sender.due_at.getTime(), next.updated_at.getTime())),
    message: {
      id: next.id,
      campaignId: next.campaign_id,
      recipient: next.recipient,
      body: next.body,
      mediaUrl: next.media_url,
      attempts: claimed.attempts - claimed.attempts_before_retry,
    },
    target,
  };
}

/**
 * The oldest PENDING message of the sender's oldest campaign that may send (`campaignClaimable`):
 * a paused or scheduled campaign's messages wait while the sender's other campaigns go on. On the
 * way it marks SUPPRESSED any whose recipient opted out; 'MORE' when the claim marked its share
 * and should look again.
 */
async function nextClaimableMessage(trx: Transaction<Database>, senderNumber: string) {
  for (let marked = 0; marked < SUPPRESSED_PER_CLAIM; marked += 1) {
    const next = (
      await sql<{
        id: number;
        campaign_id: number;
        recipient: string;
        body: string;
        media_url: string | null;
        updated_at: Date;
        suppressed: boolean;
      }>`
        SELECT m.id, m.campaign_id, m.recipient, m.body, m.updated_at, c.media_url,
               ${recipientSuppressed} AS suppressed
        FROM (SELECT c.id, c.media_url FROM campaigns c
              WHERE c.sender_number = ${senderNumber} AND ${campaignClaimable}
              ORDER BY c.id LIMIT 1) c
        CROSS JOIN LATERAL (SELECT id, campaign_id, sender_number, recipient, body, updated_at
                            FROM messages
                            WHERE campaign_id = c.id AND status = 'PENDING'
                            ORDER BY id LIMIT 1) m
      `.execute(trx)
    ).rows[0];
    if (!next?.suppressed) return next;
    await suppressQueuedMessage(trx, next);
  }
  return 'MORE' as const;
}

/**
 * The policy holds the sender until `until`: recorded as its due time, so the recovery sweep
 * leaves it alone until then, and a policy change can lift it (`held_reason`).
 */
async function holdSender(
  trx: Transaction<Database>,
  senderNumber: string,
  until: Date,
  reason: WaitReason,
): Promise<void> {
  await trx
    .updateTable('senders')
    .set({
      next_send_at: sql`GREATEST(next_send_at, ${until})`,
      held_reason: reason,
      updated_at: NOW,
    })
    .where('phone_number', '=', senderNumber)
    .execute();
}

/** A sender that can send has a session on a worker (`pauseReason` is null only then). */
function sendTargetOf(sender: SenderState): SendTarget {
  const { worker_id, url, api_key, waha_session } = sender;
  if (worker_id === null || url === null || api_key === null || waha_session === null) {
    throw new Error('a sender that can send must have a session on a worker');
  }
  return {
    workerId: worker_id,
    url,
    apiKey: api_key,
    tier: sender.tier,
    wahaSession: waha_session,
  };
}

async function waitAndRenew(
  trx: Transaction<Database>,
  input: LeaseInput,
  now: Date,
  delay: PacingDelay | { at: Date; reason: string },
): Promise<ClaimResult> {
  // Waiting is part of the turn: keep the lease alive so no other dispatcher takes the sender.
  await trx
    .updateTable('senders')
    .set({ lease_expires_at: leaseUntil(input.leaseSeconds), updated_at: NOW })
    .where('phone_number', '=', input.senderNumber)
    .execute();
  return { kind: 'wait', now, until: delay.at, reason: delay.reason };
}
