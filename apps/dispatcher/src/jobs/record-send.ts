import { setTimeout as sleep } from 'node:timers/promises';
import {
  type ClaimResult,
  type LeaseInput,
  type RecordOutcomeResult,
  recordOutcome,
  type SentRecord,
} from '@herald/db';
import type { DispatchOutcome } from '@herald/domain';
import type { MessageOutcome } from '@herald/metrics';
import type { DispatchContext } from '../context.ts';

// Recording what WAHA did with a claimed message, and saying so in logs and metrics.

export type Claimed = Extract<ClaimResult, { kind: 'claimed' }>;

const RECORD_RETRY_MS = [100, 500, 2000];

/** What the record writes of the sender's pacing: the drawn jitter, and when the call returned. */
export interface SendPacing {
  jitterSeconds: number;
  /** No earlier than the call's return, by the database's clock (`databaseTimeAfter`). */
  returnedAt: Date;
}

/**
 * The outcome is the only record of what WAHA did; a database hiccup must not turn a SENT into
 * an UNKNOWN, so recording is retried briefly before the turn gives up.
 */
export async function recordWithRetry(
  ctx: DispatchContext,
  lease: LeaseInput,
  { message, target, policy, pacesWorker }: Claimed,
  outcome: DispatchOutcome,
  pacing: SendPacing,
): Promise<RecordOutcomeResult> {
  const input = {
    policy,
    ...pacing,
    messageId: message.id,
    senderNumber: lease.senderNumber,
    workerId: target.workerId,
    owner: lease.owner,
    outcome,
    unknownHoldSeconds: ctx.config.unknownHoldSeconds,
    workerBreaker: ctx.config.workerBreaker,
  };
  // The common case, a send without a health rule to apply, is recorded with the others of its
  // moment in one statement; anything else alone, as it may need a transaction of its own.
  const record = () =>
    outcome.kind === 'SENT' && policy.health === null
      ? ctx.sent.run(sentRecordOf(lease, { message, target, pacesWorker }, outcome, pacing))
      : recordOutcome(ctx.db, input);
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await record();
    } catch (error) {
      const delay = RECORD_RETRY_MS[attempt];
      if (delay === undefined) throw error;
      ctx.logger.warn('recording a send outcome failed; retrying', {
        message_id: message.id,
        error: String(error),
      });
      await sleep(delay);
    }
  }
}

/**
 * `recordWithRetry` of a SENT answer together with the turn's next claim, in one transaction
 * (`recordSentThenClaim`). Should that transaction fail, none of it took: the answer is then
 * recorded alone, with its retries, and the turn claims as usual.
 */
export async function recordThenClaim(
  ctx: DispatchContext,
  lease: LeaseInput,
  claimed: Claimed,
  outcome: DispatchOutcome,
  pacing: SendPacing,
): Promise<{ recorded: RecordOutcomeResult; next?: { claim: ClaimResult; started: number } }> {
  if (outcome.kind === 'SENT') {
    try {
      const record = sentRecordOf(lease, claimed, outcome, pacing);
      return await ctx.sentThenClaim.run({ record, lease });
    } catch (error) {
      ctx.logger.warn('recording a send with the next claim failed; recording it alone', {
        message_id: claimed.message.id,
        error: String(error),
      });
    }
  }
  return { recorded: await recordWithRetry(ctx, lease, claimed, outcome, pacing) };
}

function sentRecordOf(
  lease: LeaseInput,
  { message, target, pacesWorker }: Pick<Claimed, 'message' | 'target' | 'pacesWorker'>,
  outcome: Extract<DispatchOutcome, { kind: 'SENT' }>,
  { jitterSeconds, returnedAt }: SendPacing,
): SentRecord {
  return {
    returnedAt,
    messageId: message.id,
    senderNumber: lease.senderNumber,
    workerId: target.workerId,
    owner: lease.owner,
    wahaMessageId: outcome.wahaMessageId,
    jitterSeconds,
    pacesWorker,
  };
}

/** What the message counter counts; a pause puts the message back untouched, so it is not. */
const COUNTED_OUTCOMES: Partial<Record<DispatchOutcome['kind'], MessageOutcome>> = {
  SENT: 'sent',
  FAILED: 'failed',
  UNKNOWN: 'unknown',
  RETRY: 'retried',
};

export function logMessageOutcome(
  ctx: DispatchContext,
  lease: LeaseInput,
  { message, target }: Claimed,
  outcome: DispatchOutcome,
  recorded: RecordOutcomeResult,
): void {
  const meta = {
    sender: lease.senderNumber,
    message_id: message.id,
    campaign_id: message.campaignId,
    attempts: message.attempts,
    outcome: outcome.kind,
    ...(outcome.kind === 'SENT' ? {} : { code: outcome.code, error: outcome.error }),
    ...(recorded.previous === 'UNKNOWN' ? { corrected_unknown: true } : {}),
  };
  if (recorded.workerDegraded) {
    ctx.metrics.workerBreakerTrips.inc();
    ctx.logger.warn('worker degraded by its circuit breaker: its senders wait for a probe', {
      worker_id: target.workerId,
      code: outcome.kind === 'SENT' ? undefined : outcome.code,
      threshold: ctx.config.workerBreaker.threshold,
      window_seconds: ctx.config.workerBreaker.windowSeconds,
      cooldown_seconds: ctx.config.workerBreaker.cooldownSeconds,
    });
  }
  const counted = COUNTED_OUTCOMES[outcome.kind];
  if (counted) ctx.metrics.countMessage(counted, lease.senderNumber);
  if (outcome.kind === 'SENT') ctx.logger.debug('message sent', meta);
  else if (outcome.kind === 'RETRY') ctx.logger.info('message will be retried', meta);
  else ctx.logger.warn('message not sent', meta);
}
