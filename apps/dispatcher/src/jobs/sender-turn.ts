import { randomBytes } from 'node:crypto';
import type { ClaimResult, LeaseInput } from '@herald/db';
import { drawJitterSeconds, nextTurnAt, pausesSender } from '@herald/domain';
import { CLAIM_AHEAD_MS } from '../claim-clock.ts';
import type { DispatchContext } from '../context.ts';
import type { TurnSlot } from '../fleet.ts';
import { sleepUnlessAborted } from '../nap.ts';
import { deliver } from './deliver.ts';
import { logMessageOutcome, recordThenClaim, recordWithRetry } from './record-send.ts';

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
  const { config, logger } = ctx;
  const lease: LeaseInput = {
    senderNumber,
    owner: `${config.dispatcherId}:${randomBytes(4).toString('hex')}`,
    leaseSeconds: config.leaseSeconds,
  };
  const acquired = await ctx.leaseTakes.run(lease);
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
    await ctx.handBacks.run({ lease, next: null }).catch(() => {});
    throw error;
  }
  slot.leave();
  if (end !== 'LOST' && end !== 'STALE') {
    const next = end === 'PAUSED' ? null : nextTurnStart(state, config.turnSeconds);
    await ctx.handBacks.run({ lease, next });
  }
  logger.debug('sender turn ended', { sender: senderNumber, end, calls: state.calls });
  return { end, calls: state.calls };
}

/**
 * A turn's budget is drawn within ±`TURN_BUDGET_SPREAD` of TURN_SECONDS: turns started together
 * (a start-up, a fleet taking over) would otherwise all end, hand back and start again together,
 * a burst of work that delays every sender's next send, again at every turn length.
 */
export const TURN_BUDGET_SPREAD = 0.2;
const turnBudgetMs = (turnSeconds: number) =>
  turnSeconds * 1000 * (1 - TURN_BUDGET_SPREAD + Math.random() * 2 * TURN_BUDGET_SPREAD);

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
  const deadline = Date.now() + turnBudgetMs(config.turnSeconds);
  // A claim made with the last record (at zero delay), and when it was asked.
  let chained: { claim: ClaimResult; started: number } | undefined;
  for (;;) {
    let claim: ClaimResult;
    let claimStarted: number;
    if (chained) {
      ({ claim, started: claimStarted } = chained);
      chained = undefined;
    } else {
      const stop = await mayClaim(ctx, lease.senderNumber, signal, slot);
      if (stop) return stop;
      ({ claim, started: claimStarted } = await ctx.claims.run(lease));
    }
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
        // The next claim re-checks the pacing at the time given. Not ahead of it: a worker's
        // switch delay or a retry's backoff is not claimed ahead, and would answer "wait" again.
        const wakeAt = ctx.clock.localTimeReaching(claim.until);
        const rested = await rest(ctx, lease.senderNumber, signal, slot, wakeAt, deadline, state);
        if (rested) return rested;
        continue;
      }
      case 'claimed': {
        state.continueAt = undefined;
        state.calls += 1;
        const lagMs = claim.now.getTime() - claim.dueAt.getTime();
        ctx.metrics.pacingLagSeconds.observe(Math.max(0, lagMs) / 1000);
        await ctx.clock.untilSendable(claim.sendableAt);
        const outcome = await deliver(ctx, lease, claim, claimStarted);
        // The sender's next send is paced from the call's return (not from its record, later).
        const returnedAt = ctx.clock.databaseTimeAfter(performance.now());
        // Drawn once, here, and stored: every dispatcher then waits for the same next-send time.
        const jitterSeconds = drawJitterSeconds(claim.policy);
        const restMs = (claim.messageDelaySeconds + jitterSeconds) * 1000;
        // At zero delay the next claim goes with this record, in one transaction, when a claim
        // could be made now at all (`stop` otherwise, said once the outcome is recorded).
        const chains =
          restMs === 0 &&
          outcome.kind === 'SENT' &&
          claim.policy.health === null &&
          !claim.pacesWorker &&
          Date.now() < deadline;
        const stop = chains ? await mayClaim(ctx, lease.senderNumber, signal, slot) : null;
        const { recorded, next } =
          chains && !stop
            ? await recordThenClaim(ctx, lease, claim, outcome, { jitterSeconds, returnedAt })
            : {
                recorded: await recordWithRetry(ctx, lease, claim, outcome, {
                  jitterSeconds,
                  returnedAt,
                }),
              };
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
        if (stop) return stop;
        if (next) {
          chained = next;
          continue;
        }
        if (Date.now() >= deadline) return 'BUDGET';
        // The next send is due the delay after the call's return: rest until just before, and
        // claim ahead of it (its call waits for the due time, `untilSendable`), instead of
        // claiming only to hear "wait"; at most a third of the rest ahead. Not under a switch
        // delay: a claim takes the worker, and one made ahead would take it from the worker's
        // other senders, whose turn comes at the switch delay, every time.
        if (restMs > 0) {
          const due = new Date(returnedAt.getTime() + restMs);
          const leadMs = claim.pacesWorker ? 0 : Math.min(CLAIM_AHEAD_MS, restMs / 3);
          const wakeAt = ctx.clock.localTimeReaching(due) - leadMs;
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
    const slept = await sleepUnlessAborted(Math.min(left, chunkMs), signal);
    if (!slept) return 'SHUTDOWN';
    const stop = await mayClaim(ctx, senderNumber, signal, slot);
    if (stop) return stop;
  }
  return null;
}

/** Whether the turn may claim now: not shutting down, its heartbeat healthy, within its share. */
async function mayClaim(
  ctx: DispatchContext,
  senderNumber: string,
  signal: AbortSignal,
  slot: TurnSlot,
): Promise<TurnEnd | null> {
  if (signal.aborted) return 'SHUTDOWN';
  if (!(await ctx.fleet.awaitHealthy())) {
    ctx.logger.warn('heartbeat failing: the sender is left for its lease to lapse', {
      sender: senderNumber,
    });
    return 'STALE';
  }
  if (slot.mustYield()) return 'YIELD';
  return null;
}
