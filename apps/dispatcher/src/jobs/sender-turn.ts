import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  acquireSenderLease,
  enqueueSenderTurn,
  type LeaseInput,
  releaseSenderLease,
} from '@herald/db';
import { type DispatchOutcome, drawJitterSeconds, nextTurnAt, pausesSender } from '@herald/domain';
import type { DispatchContext } from '../context.ts';
import type { TurnSlot } from '../fleet.ts';
import { outcomeOfError } from '../outcome.ts';
import { type OutgoingMedia, recipientExists, sendCampaignMessage } from '../send-message.ts';
import { type Claimed, logMessageOutcome, recordWithRetry } from './record-send.ts';

export type TurnEnd =
  | 'NOT_ACQUIRED'
  | 'EMPTY'
  | 'PAUSED'
  | 'WAITING'
  | 'LOST'
  /** The heartbeat failed: the lease may lapse, so the sweep will hand the sender on. */
  | 'STALE'
  | 'BUDGET'
  /** This dispatcher runs more than its share of the senders: another one carries on. */
  | 'YIELD'
  | 'SHUTDOWN';

export interface TurnResult {
  end: TurnEnd;
  /** Messages whose WAHA call this turn made (whatever their outcome). */
  calls: number;
}

/**
 * One turn of a sender: take its lease, then claim, send and record its messages one at a time,
 * as pacing allows, until it has nothing due within the turn budget, is paused, or the process
 * shuts down; then give the lease back and, if work remains, enqueue the next turn in the same
 * transaction. A shutdown never interrupts a WAHA call: the message in flight is finished and
 * recorded first.
 */
export async function runSenderTurn(
  ctx: DispatchContext,
  senderNumber: string,
  signal: AbortSignal,
): Promise<TurnResult> {
  const { config, db, logger } = ctx;
  const lease: LeaseInput = {
    senderNumber,
    owner: `${config.dispatcherId}:${randomBytes(4).toString('hex')}`,
    leaseSeconds: config.leaseSeconds,
  };
  const acquired = await db.transaction().execute((trx) => acquireSenderLease(trx, lease));
  // Another dispatcher holds the sender; it carries on and enqueues what follows.
  if (!acquired.acquired) return { end: 'NOT_ACQUIRED', calls: 0 };
  if (acquired.lostMessages > 0) {
    ctx.metrics.leaseTakeovers.inc();
    logger.warn('sender taken over from a lapsed lease; its messages in flight are UNKNOWN', {
      sender: senderNumber,
      unknown: acquired.lostMessages,
    });
  }
  const state: TurnState = { calls: 0, continueAt: undefined, heldUntil: undefined };
  const slot = ctx.fleet.enterTurn(lease.owner);
  let end: TurnEnd;
  try {
    end = await sendWhileDue(ctx, lease, signal, state, slot);
  } catch (error) {
    slot.leave();
    // Best effort: hand the sender back now rather than at lease expiry. A message left SENDING
    // becomes UNKNOWN at the next sweep; pg-boss retries this job.
    await db
      .transaction()
      .execute((trx) => releaseSenderLease(trx, lease))
      .catch(() => {});
    throw error;
  }
  slot.leave();
  if (end !== 'LOST' && end !== 'STALE') {
    await db.transaction().execute(async (trx) => {
      const released = await releaseSenderLease(trx, lease);
      if (released.released && released.pending && released.sendable && end !== 'PAUSED') {
        await enqueueSenderTurn(ctx.boss, senderNumber, {
          db: trx,
          ...nextTurnStart(state, config.turnSeconds),
        });
      }
    });
  }
  logger.debug('sender turn ended', { sender: senderNumber, end, calls: state.calls });
  return { end, calls: state.calls };
}

interface TurnState {
  calls: number;
  /** Pacing asked to wait until then: the next turn re-checks no later than a turn from now. */
  continueAt: Date | undefined;
  /** The sender policy holds the sender until then; a policy change brings the turn forward. */
  heldUntil: Date | undefined;
}

/**
 * A sender held by its policy costs nothing until `resumes_at`: its next turn is queued for then.
 * Pacing waits re-check within a turn's length, so a lowered delay applies soon.
 */
function nextTurnStart(state: TurnState, turnSeconds: number): { startAfter?: Date } {
  if (state.heldUntil) return { startAfter: state.heldUntil };
  if (state.continueAt)
    return { startAfter: nextTurnAt(state.continueAt, new Date(), turnSeconds) };
  return {};
}

async function sendWhileDue(
  ctx: DispatchContext,
  lease: LeaseInput,
  signal: AbortSignal,
  state: TurnState,
  slot: TurnSlot,
): Promise<TurnEnd> {
  const { config, logger } = ctx;
  const deadline = Date.now() + config.turnSeconds * 1000;
  for (;;) {
    if (signal.aborted) return 'SHUTDOWN';
    if (!(await ctx.fleet.awaitHealthy())) {
      logger.warn('heartbeat failing: the sender is left for its lease to lapse', {
        sender: lease.senderNumber,
      });
      return 'STALE';
    }
    if (slot.mustYield()) return 'YIELD';
    const claimStarted = performance.now();
    const claim = await ctx.claims.run(lease);
    switch (claim.kind) {
      case 'lost':
        logger.warn('sender lease lost during a turn', { sender: lease.senderNumber });
        return 'LOST';
      case 'empty':
        return 'EMPTY';
      case 'paused':
        logger.info('sender paused: its session cannot send now', {
          sender: lease.senderNumber,
          reason: claim.reason,
          session_status: claim.sessionStatus,
        });
        return 'PAUSED';
      case 'held':
        state.heldUntil = claim.until;
        logger.debug('sender held by its policy', {
          sender: lease.senderNumber,
          reason: claim.reason,
          resumes_at: claim.until.toISOString(),
        });
        return 'WAITING';
      case 'wait': {
        // `claim.now` is the database's time when the claim began; the claim's own duration is
        // already part of the wait. Waking a little early only costs one more claim, which
        // re-checks the pacing against the database clock.
        const wakeAt = claimStarted + claim.until.getTime() - claim.now.getTime();
        const rested = await rest(ctx, lease.senderNumber, signal, slot, wakeAt, deadline, state);
        if (rested) return rested;
        continue;
      }
      case 'claimed': {
        state.continueAt = undefined;
        state.calls += 1;
        const lagMs = claim.now.getTime() - claim.dueAt.getTime();
        ctx.metrics.pacingLagSeconds.observe(Math.max(0, lagMs) / 1000);
        const outcome = await deliver(ctx, lease, claim, claimStarted);
        // Drawn once, here, and stored: every dispatcher then waits for the same next-send time.
        const jitterSeconds = drawJitterSeconds(claim.policy);
        const recorded = await recordWithRetry(ctx, lease, claim, outcome, jitterSeconds);
        logMessageOutcome(ctx, lease, claim, outcome, recorded);
        if (!recorded.leaseHeld) return 'LOST';
        if (pausesSender(outcome)) return 'PAUSED';
        if (recorded.healthTrip) {
          logger.warn('sender paused by its health rule', {
            sender: lease.senderNumber,
            ...recorded.healthTrip,
          });
          return 'PAUSED';
        }
        if (Date.now() >= deadline) return 'BUDGET';
        // The record stamped `last_sent_at` before its answer came back, so the next send is due
        // no sooner than the delay from now: rest until then instead of claiming only to hear it.
        const restMs = (claim.messageDelaySeconds + jitterSeconds) * 1000;
        if (restMs > 0) {
          const wakeAt = performance.now() + restMs;
          const rested = await rest(ctx, lease.senderNumber, signal, slot, wakeAt, deadline, state);
          if (rested) return rested;
        }
      }
    }
  }
}

/**
 * Sleeps until `wakeAt` (a `performance.now()` time), waking every third of the lease to see a
 * shutdown, a changed share or a failing heartbeat in time. Past the turn's budget it ends the
 * turn instead, with the next one queued for the wake-up time. Null: go on claiming.
 */
async function rest(
  ctx: DispatchContext,
  senderNumber: string,
  signal: AbortSignal,
  slot: TurnSlot,
  wakeAt: number,
  deadline: number,
  state: TurnState,
): Promise<TurnEnd | null> {
  const waitMs = Math.max(0, wakeAt - performance.now());
  state.continueAt = new Date(Date.now() + waitMs);
  if (Date.now() + waitMs > deadline) return 'BUDGET';
  const chunkMs = (ctx.config.leaseSeconds * 1000) / 3;
  for (let left = waitMs; left > 0; left = wakeAt - performance.now()) {
    const slept = await sleep(Math.min(left, chunkMs), true, { signal }).catch(() => false);
    if (!slept) return 'SHUTDOWN';
    if (!(await ctx.fleet.awaitHealthy())) {
      ctx.logger.warn('heartbeat failing: the sender is left for its lease to lapse', {
        sender: senderNumber,
      });
      return 'STALE';
    }
    if (slot.mustYield()) return 'YIELD';
  }
  return null;
}

const LEASE_LAPSING: DispatchOutcome = {
  kind: 'RETRY',
  code: 'LEASE_LOST',
  error: 'the sender lease may have lapsed (the heartbeat could not renew it) before the call',
  backoffSeconds: 0,
};

/** The WAHA side of one message: the optional recipient check, then the send. Never throws. */
async function deliver(
  ctx: DispatchContext,
  lease: LeaseInput,
  { message, target }: Claimed,
  claimStarted: number,
): Promise<DispatchOutcome> {
  const { config, outcomePolicy } = ctx;
  const client = ctx.wahaClients.clientFor({ url: target.url, apiKey: target.apiKey });
  const media = message.mediaUrl ? await loadMedia(ctx, message.campaignId) : null;
  if (media && 'kind' in media) return media;
  const outgoing = {
    wahaSession: target.wahaSession,
    recipient: message.recipient,
    body: message.body,
    media,
  };
  if (config.checkNumbers) {
    if (!ctx.fleet.leaseStands(lease.senderNumber, claimStarted)) return LEASE_LAPSING;
    try {
      if (!(await recipientExists(client, outgoing))) {
        return {
          kind: 'FAILED',
          code: 'NOT_ON_WHATSAPP',
          error: `${message.recipient} is not on WhatsApp`,
        };
      }
    } catch (error) {
      return outcomeOfError(error, 'check', message.attempts, outcomePolicy);
    }
  }
  // No call starts unless the lease surely stands (renewed by the claim or by a heartbeat since):
  // after a failed heartbeat another dispatcher may take the sender. Nothing was sent: a retry.
  if (!ctx.fleet.leaseStands(lease.senderNumber, claimStarted)) return LEASE_LAPSING;
  try {
    const sent = await ctx.sendTimeouts.time(target.workerId, (timeoutMs) =>
      sendCampaignMessage(client, outgoing, { timeoutMs, signal: ctx.fleet.callSignal() }),
    );
    return { kind: 'SENT', wahaMessageId: sent.id };
  } catch (error) {
    return outcomeOfError(error, 'send', message.attempts, outcomePolicy);
  }
}

/**
 * The bytes the gateway fetched for the campaign. WAHA is never given the user's URL, so a
 * campaign whose media is not stored cannot send it: its messages fail rather than go without.
 */
async function loadMedia(
  ctx: DispatchContext,
  campaignId: number,
): Promise<OutgoingMedia | DispatchOutcome> {
  try {
    const media = await ctx.media.get(campaignId);
    if (media) return media;
    return { kind: 'FAILED', code: 'MEDIA_UNAVAILABLE', error: 'the campaign has no stored media' };
  } catch (error) {
    return { kind: 'RETRY', code: 'DB_ERROR', error: String(error), backoffSeconds: 5 };
  }
}
