import type { SessionStatus, WorkerTier } from '@herald/domain';
import { sql, type Transaction } from 'kysely';
import type { Database } from '../database.ts';
import { type LeaseInput, leaseUntil } from './leases.ts';
import { moveCampaignCounters } from './ledger.ts';

// The dispatcher's hot path. Every transaction that locks takes its rows in one order (senders,
// workers, messages, campaigns, sessions) so concurrent turns, outcomes and sweeps cannot deadlock.
// All times are the database's `now()`, never a process clock, so every dispatcher agrees.

const NOW = sql<Date>`now()`;

export interface SenderPacingFacts {
  now: Date;
  messageDelaySeconds: number;
  /** End of the sender's last WAHA send call, null if it never sent. */
  lastSentAt: Date | null;
  /** Attempts already made on the message that would go next; above 0 it is a retry. */
  attempts: number;
}

export interface WorkerPacingFacts {
  now: Date;
  senderNumber: string;
  switchDelaySeconds: number;
  lastSenderNumber: string | null;
  lastSendDoneAt: Date | null;
  inflightSenderNumber: string | null;
  inflightUntil: Date | null;
}

export interface PacingDelay {
  at: Date;
  reason: string;
}

/** The delay math, supplied by the dispatcher; `null` means "may go now". */
export interface PacingRules {
  senderDueAt(facts: SenderPacingFacts): PacingDelay | null;
  workerDueAt(facts: WorkerPacingFacts): PacingDelay | null;
}

export type PauseReason =
  | 'NO_SESSION'
  | 'SESSION_NOT_CONNECTED'
  | 'NO_WORKER'
  | 'WORKER_DISABLED'
  | 'WORKER_UNHEALTHY';

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
  | { kind: 'claimed'; now: Date; message: ClaimedMessage; target: SendTarget };

/**
 * One claim, in one transaction committed before the WAHA call: checks that we still hold the
 * lease, that the sender's session can send, that its pacing (message delay, retry backoff) and
 * its worker's pacing (sender-switch delay, another sender in flight) allow a send now, then moves
 * the sender's oldest PENDING message to SENDING and marks the worker busy with it. The delays are
 * read here, on every claim, so a changed setting applies from the next send.
 */
export async function claimNextMessage(
  trx: Transaction<Database>,
  input: LeaseInput & { pacing: PacingRules },
): Promise<ClaimResult> {
  const { senderNumber, owner, leaseSeconds, pacing } = input;
  const sender = (
    await sql<{
      lease_owner: string | null;
      lease_expires_at: Date | null;
      last_sent_at: Date | null;
      message_delay: number;
      switch_delay: number;
      now: Date;
    }>`
      SELECT s.lease_owner, s.lease_expires_at, s.last_sent_at,
             COALESCE(s.message_delay, d.message_delay, 0)::float8 AS message_delay,
             COALESCE(s.sender_switch_delay, d.sender_switch_delay, 0)::float8 AS switch_delay,
             now() AS now
      FROM senders s LEFT JOIN delay_settings d ON d.id = 1
      WHERE s.phone_number = ${senderNumber}
      FOR UPDATE OF s
    `.execute(trx)
  ).rows[0];
  if (!sender || sender.lease_owner !== owner) return { kind: 'lost' };
  if (!sender.lease_expires_at || sender.lease_expires_at <= sender.now) return { kind: 'lost' };
  const { now } = sender;

  const session = await trx
    .selectFrom('sessions as ses')
    .leftJoin('workers as w', 'w.id', 'ses.worker_id')
    .select([
      'ses.status',
      'ses.waha_session',
      'w.id as worker_id',
      'w.url',
      'w.api_key',
      'w.tier',
      'w.enabled',
      'w.healthy',
    ])
    .where('ses.phone_number', '=', senderNumber)
    .executeTakeFirst();
  const pause = pauseReasonOf(session);
  if (pause || !session) {
    return {
      kind: 'paused',
      reason: pause ?? 'NO_SESSION',
      sessionStatus: session?.status ?? null,
    };
  }
  const workerId = session.worker_id as number;

  const next = await trx
    .selectFrom('messages as m')
    .innerJoin('campaigns as c', 'c.id', 'm.campaign_id')
    .select(['m.id', 'm.campaign_id', 'm.recipient', 'm.body', 'm.attempts', 'c.media_url'])
    .where('m.sender_number', '=', senderNumber)
    .where('m.status', '=', 'PENDING')
    .orderBy('m.id')
    .limit(1)
    .executeTakeFirst();
  if (!next) return { kind: 'empty' };

  const waitForSender = pacing.senderDueAt({
    now,
    messageDelaySeconds: sender.message_delay,
    lastSentAt: sender.last_sent_at,
    attempts: next.attempts,
  });
  if (waitForSender) return waitAndRenew(trx, input, now, waitForSender);

  const worker = await trx
    .selectFrom('workers')
    .select(['last_sender_number', 'last_send_done_at', 'inflight_sender_number', 'inflight_until'])
    .where('id', '=', workerId)
    .forUpdate()
    .executeTakeFirstOrThrow();
  const waitForWorker = pacing.workerDueAt({
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
    .where('id', '=', workerId)
    .execute();
  await trx
    .updateTable('senders')
    .set({ lease_expires_at: leaseUntil(leaseSeconds), updated_at: NOW })
    .where('phone_number', '=', senderNumber)
    .execute();
  return {
    kind: 'claimed',
    now,
    message: {
      id: next.id,
      campaignId: next.campaign_id,
      recipient: next.recipient,
      body: next.body,
      mediaUrl: next.media_url,
      attempts: claimed.attempts,
    },
    target: {
      workerId,
      url: session.url as string,
      apiKey: session.api_key as string,
      tier: session.tier,
      wahaSession: session.waha_session,
    },
  };
}

function pauseReasonOf(
  session:
    | {
        status: SessionStatus;
        worker_id: number | null;
        enabled: boolean | null;
        healthy: boolean | null;
      }
    | undefined,
): PauseReason | null {
  if (!session) return 'NO_SESSION';
  if (session.status !== 'CONNECTED') return 'SESSION_NOT_CONNECTED';
  if (session.worker_id === null) return 'NO_WORKER';
  if (!session.enabled) return 'WORKER_DISABLED';
  if (!session.healthy) return 'WORKER_UNHEALTHY';
  return null;
}

async function waitAndRenew(
  trx: Transaction<Database>,
  input: LeaseInput,
  now: Date,
  delay: PacingDelay,
): Promise<ClaimResult> {
  // Waiting is part of the turn: keep the lease alive so no other dispatcher takes the sender.
  await trx
    .updateTable('senders')
    .set({ lease_expires_at: leaseUntil(input.leaseSeconds), updated_at: NOW })
    .where('phone_number', '=', input.senderNumber)
    .execute();
  return { kind: 'wait', now, until: delay.at, reason: delay.reason };
}
