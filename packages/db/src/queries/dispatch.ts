import { type PacingDelay, type SessionStatus, type WorkerTier, workerDueAt } from '@herald/domain';
import { sql, type Transaction } from 'kysely';
import type { Database } from '../database.ts';
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
  /** Including this attempt. */
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
  | {
      kind: 'claimed';
      now: Date;
      /** The earliest time pacing allowed this send (for the pacing-lag metric). */
      dueAt: Date;
      message: ClaimedMessage;
      target: SendTarget;
    };

interface SenderState {
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
 * moves the sender's oldest PENDING message to SENDING and marks the worker busy with it. The
 * delays are read here, on every claim, so a changed setting applies from the next send.
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
             ${delaysInForce.senderSwitch} AS switch_delay
      FROM senders s ${withDelaySettings} ${sessionAndWorker}
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

  const next = await trx
    .selectFrom('messages as m')
    .innerJoin('campaigns as c', 'c.id', 'm.campaign_id')
    .select(['m.id', 'm.campaign_id', 'm.recipient', 'm.body', 'm.updated_at', 'c.media_url'])
    .where('m.sender_number', '=', senderNumber)
    .where('m.status', '=', 'PENDING')
    .orderBy('m.id')
    .limit(1)
    .executeTakeFirst();
  if (!next) return { kind: 'empty' };
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
    .returning('attempts')
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
    .set({ lease_expires_at: leaseUntil(leaseSeconds), updated_at: NOW })
    .where('phone_number', '=', senderNumber)
    .execute();
  return {
    kind: 'claimed',
    now,
    // Due once the sender's pacing allowed it and the message was waiting (created or requeued).
    dueAt: new Date(Math.max(sender.due_at.getTime(), next.updated_at.getTime())),
    message: {
      id: next.id,
      campaignId: next.campaign_id,
      recipient: next.recipient,
      body: next.body,
      mediaUrl: next.media_url,
      attempts: claimed.attempts,
    },
    target,
  };
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
