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
import { type LeaseInput, leaseUntil } from './leases.ts';
import { markSending } from './mark-sending.ts';
import {
  type NextMessage,
  nextClaimableMessage,
  nextMessageOfSender,
  nextRetryAt,
} from './next-message.ts';
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
 * The common case costs two statements: the sender's state with its next message, then one write.
 */
export async function claimNextMessage(
  trx: Transaction<Database>,
  input: LeaseInput,
): Promise<ClaimResult> {
  const { senderNumber, owner } = input;
  const sender = (
    await sql<SenderState & { [K in keyof NextMessage as `next_${K}`]: NextMessage[K] | null }>`
      SELECT s.lease_owner, s.lease_expires_at, now() AS now,
             ${pauseReason} AS pause_reason, ses.status AS session_status, ses.waha_session,
             w.id AS worker_id, w.url, w.api_key, w.tier,
             ${senderDueAt} > now() AS must_wait,
             ${ceilToMilliseconds(senderDueAt)} AS due_at, ${senderDueReason} AS due_reason,
             ${delaysInForce.senderSwitch} AS switch_delay, ${policyFactColumns},
             nm.id AS next_id, nm.campaign_id AS next_campaign_id, nm.recipient AS next_recipient,
             nm.body AS next_body, nm.media_url AS next_media_url,
             nm.updated_at AS next_updated_at, nm.suppressed AS next_suppressed
      FROM senders s ${withDelaySettings} ${sessionAndWorker} ${withSenderPolicies}
      LEFT JOIN LATERAL (${nextMessageOfSender}) nm ON true
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

  if (sender.next_id === null) return nothingDue(trx, input, now);
  const next = sender.next_suppressed
    ? await nextClaimableMessage(trx, senderNumber)
    : {
        id: sender.next_id,
        campaign_id: sender.next_campaign_id as number,
        recipient: sender.next_recipient as string,
        body: sender.next_body as string,
        media_url: sender.next_media_url,
        updated_at: sender.next_updated_at as Date,
      };
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

  // The worker's pacing is read (and its row locked) only when a sender-switch delay is in force:
  // without one `workerDueAt` never waits.
  if (sender.switch_delay > 0) {
    const worker = await trx
      .selectFrom('workers')
      .select([
        'last_sender_number',
        'last_send_done_at',
        'inflight_sender_number',
        'inflight_until',
      ])
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
  }

  const claimed = await markSending(trx, input, {
    messageId: next.id,
    workerId: target.workerId,
    burstRun: decision.burstRun,
    firstConnectedAt: sender.first_connected_at,
  });
  // Changed since we read it (a cancel or a pause, say): look again straight away.
  if (!claimed) return { kind: 'wait', now, until: now, reason: 'MESSAGE_CHANGED' };
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

/** Nothing is due now: wait for a message in backoff if there is one, else the sender is done. */
async function nothingDue(
  trx: Transaction<Database>,
  input: LeaseInput,
  now: Date,
): Promise<ClaimResult> {
  const retry = await nextRetryAt(trx, input.senderNumber);
  if (!retry) return { kind: 'empty' };
  return waitAndRenew(trx, input, now, { at: retry, reason: 'RETRY_BACKOFF' });
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
