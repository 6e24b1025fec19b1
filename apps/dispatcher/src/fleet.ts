import { setTimeout as sleep } from 'node:timers/promises';
import {
  beatHeartbeat,
  createDb,
  type FleetFacts,
  readFleetFacts,
  removeDispatcher,
} from '@herald/db';
import type { Logger } from '@herald/logging';
import { LEASE_MARGIN_MS } from './config.ts';

const LAPSED = new DOMException('the sender leases may have lapsed', 'TimeoutError');

/** Turns a dispatcher may run beyond its even share of the senders with work. */
export const SHARE_SLACK = 2;

/** A dispatcher's even share of the senders with work, plus the slack. */
export function fairShare(facts: FleetFacts): number {
  return Math.ceil(facts.activeSenders / Math.max(1, facts.liveDispatchers)) + SHARE_SLACK;
}

export interface TurnSlot {
  /** True (once) when this dispatcher runs more turns than its share: hand the sender back. */
  mustYield(): boolean;
  leave(): void;
}

/**
 * This dispatcher's place in the fleet: a heartbeat every third of the lease, independent of any
 * send, renews every sender lease it holds, so a WAHA call may last longer than the lease. Times
 * are this process's monotonic clock (`performance.now()`), taken before each statement is sent,
 * so they never overstate how long the database's lease stands.
 */
export interface Fleet {
  /** The heartbeat renewed recently enough that the leases it holds still stand. */
  healthy(): boolean;
  /** Healthy now, or after one more heartbeat (a late timer on a busy event loop, say). */
  awaitHealthy(): Promise<boolean>;
  /**
   * Whether the sender's lease surely stands for the margin a call needs to start: renewed by the
   * claim that began at `claimStartedMs`, or by a heartbeat since.
   */
  leaseStands(senderNumber: string, claimStartedMs: number): boolean;
  /**
   * Aborts once the leases this dispatcher holds may have lapsed (no heartbeat for a whole lease):
   * a WAHA call still open then is cut short as a timeout (UNKNOWN, resolved from WAHA's record),
   * so no call of this dispatcher outlives a lease another dispatcher may take, as before the
   * heartbeat, when the send timeout had to fit in the lease.
   */
  callSignal(): AbortSignal;
  /** How many turns this dispatcher should run at once now (0 while its heartbeat fails). */
  turnLimit(): number;
  /** Recounts the fleet now (a full batch at the share may mean the share is stale). */
  refreshShare(): Promise<void>;
  /** A turn holding the lease `owner` starts: the heartbeat renews that lease until it leaves. */
  enterTurn(owner: string): TurnSlot;
  /** Stops the heartbeat and leaves the fleet (after the turns have handed their senders back). */
  stop(): Promise<void>;
}

export interface FleetOptions {
  databaseUrl: string;
  logger: Logger;
  dispatcherId: string;
  leaseSeconds: number;
}

/**
 * Joins the fleet (the first heartbeat, awaited) and keeps beating until `stop`. The heartbeat has
 * its own connection: busy turns filling the dispatcher's pool must not delay it.
 */
export async function joinFleet(options: FleetOptions): Promise<Fleet> {
  const { logger, dispatcherId, leaseSeconds } = options;
  const db = createDb({
    connectionString: options.databaseUrl,
    max: 1,
    applicationName: `herald-heartbeat-${dispatcherId}`.slice(0, 63),
  });
  const leaseMs = leaseSeconds * 1000;
  const owners = new Set<string>();
  const renewedAt = new Map<string, number>();
  let lastBeat = Number.NEGATIVE_INFINITY;
  let share = SHARE_SLACK;
  let turns = 0;
  let lastRefresh = Number.NEGATIVE_INFINITY;
  // Replaced by the first beat that succeeds after it fired; re-armed by every successful beat.
  let lapse = new AbortController();
  let lapseTimer: NodeJS.Timeout | undefined;
  const armLapse = () => {
    clearTimeout(lapseTimer);
    if (lapse.signal.aborted) lapse = new AbortController();
    const current = lapse;
    const ms = lastBeat + leaseMs - performance.now();
    lapseTimer = setTimeout(() => current.abort(LAPSED), Math.max(0, ms));
    lapseTimer.unref();
  };

  async function beat(): Promise<void> {
    const started = performance.now();
    const result = await beatHeartbeat(db, { dispatcherId, leaseSeconds, owners: [...owners] });
    // A sender the beat skipped (a claim held it, and renewed it) keeps its last renewal time
    // until that says nothing any more.
    for (const [sender, at] of renewedAt) if (at + leaseMs < started) renewedAt.delete(sender);
    for (const sender of result.renewed) renewedAt.set(sender, started);
    lastBeat = started;
    armLapse();
    share = fairShare(result);
    const tookMs = performance.now() - started;
    if (tookMs > leaseMs / 3) logger.warn('slow heartbeat', { ms: Math.round(tookMs) });
  }
  // One beat at a time: a turn that finds the heartbeat overdue waits for the one under way.
  let beating: Promise<void> | undefined;
  const beatOnce = () => {
    beating ??= beat()
      .catch((error: unknown) => {
        logger.warn('heartbeat failed; no new claim or call once the leases may lapse', {
          error: String(error),
        });
      })
      .finally(() => {
        beating = undefined;
      });
    return beating;
  };

  await beat().catch(async (error: unknown) => {
    await db.destroy();
    throw error;
  });
  const stopping = new AbortController();
  const loop = (async () => {
    while (!stopping.signal.aborted) {
      const slept = await sleep(leaseMs / 3, true, { signal: stopping.signal }).catch(() => false);
      if (!slept) return;
      await beatOnce();
    }
  })();

  const cutCallsIfLapsed = () => {
    if (performance.now() >= lastBeat + leaseMs) lapse.abort(LAPSED);
  };
  const healthy = () => {
    // The timer may run late on a busy loop: whoever sees the leases lapse first cuts the calls.
    cutCallsIfLapsed();
    return performance.now() < lastBeat + leaseMs - LEASE_MARGIN_MS;
  };
  return {
    healthy,
    async awaitHealthy() {
      if (healthy()) return true;
      await beatOnce();
      return healthy();
    },
    leaseStands(senderNumber, claimStartedMs) {
      const renewed = Math.max(claimStartedMs, renewedAt.get(senderNumber) ?? claimStartedMs);
      return performance.now() + LEASE_MARGIN_MS < renewed + leaseMs;
    },
    callSignal() {
      cutCallsIfLapsed();
      return lapse.signal;
    },
    turnLimit: () => (healthy() ? share : 0),
    async refreshShare() {
      // At most once per second: the consumer asks after each full batch.
      if (performance.now() - lastRefresh < 1000) return;
      lastRefresh = performance.now();
      share = fairShare(await readFleetFacts(db, dispatcherId));
    },
    enterTurn(owner) {
      turns += 1;
      owners.add(owner);
      // Counted out of `turns` once: when it yields, or when it leaves.
      let counted = true;
      const leave = () => {
        owners.delete(owner);
        if (counted) turns -= 1;
        counted = false;
      };
      return {
        mustYield() {
          if (!counted || turns <= share) return false;
          // Counted out now, so only the turns beyond the share yield; the lease is still renewed
          // until the turn has handed its sender back.
          counted = false;
          turns -= 1;
          return true;
        },
        leave,
      };
    },
    async stop() {
      stopping.abort();
      await loop;
      clearTimeout(lapseTimer);
      await removeDispatcher(db, dispatcherId).catch((error: unknown) => {
        logger.warn('could not leave the fleet; the row expires with the lease', {
          error: String(error),
        });
      });
      await db.destroy();
    },
  };
}
