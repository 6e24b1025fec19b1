import {
  applyResolution,
  bringTurnsForward,
  enqueueSenderTurn,
  postponeLookup,
  takeUnknownLookups,
  type UnknownLookup,
  wahaIdsInUse,
} from '@herald/db';
import {
  nextLookupDelaySeconds,
  type Resolution,
  resolveFromHistory,
  toChatId,
  windowStartSeconds,
} from '@herald/domain';
import type { DispatchContext } from '../context.ts';
import type { PeriodicTask } from '../periodic.ts';

/** Messages looked up per pass; the rest wait for the next pass (of any dispatcher). */
const LOOKUPS_PER_PASS = 50;
/**
 * A lookup's claim on its message, past the WAHA call's own timeout: another dispatcher may take
 * the message after this (its dispatcher died mid-lookup).
 */
const lookupLeaseSeconds = (ctx: DispatchContext) => ctx.config.sendTimeoutMs / 1000 + 5;
/** The chat's history read per lookup, from the call's start on. */
const HISTORY_LIMIT = 100;

export interface ResolveReport {
  sent: number[];
  resent: number[];
  /** WAHA could not answer (worker gone, store disabled…) or it is too early: still UNKNOWN. */
  open: number[];
}

/**
 * One pass: asks WAHA, for each UNKNOWN message due for a lookup, what the chat's history holds
 * from the call's start on, and settles the message by `resolveFromHistory`. Durable: the answer
 * is applied in a transaction that re-checks the message is still UNKNOWN, and a message whose
 * lookup died with its dispatcher is taken again after the lookup's lease.
 */
export async function resolveUnknownOnce(ctx: DispatchContext): Promise<ResolveReport> {
  const report: ResolveReport = { sent: [], resent: [], open: [] };
  const lookups = await ctx.db.transaction().execute((trx) =>
    takeUnknownLookups(trx, {
      limit: LOOKUPS_PER_PASS,
      maxAgeSeconds: ctx.config.unknownResolveMaxAgeSeconds,
      leaseSeconds: lookupLeaseSeconds(ctx),
    }),
  );
  for (const lookup of lookups) {
    const resolution = await lookUp(ctx, lookup);
    if (resolution.kind === 'UNSETTLED' || resolution.kind === 'UNANSWERED') {
      const settlesAt = lookup.finishedAt.getTime() + ctx.config.unknownSettleSeconds * 1000;
      const delay =
        resolution.kind === 'UNSETTLED'
          ? Math.max(1, (settlesAt - Date.now()) / 1000)
          : nextLookupDelaySeconds(lookup.checks, ctx.config.unknownResolveIntervalSeconds);
      await postponeLookup(ctx.db, lookup.id, delay);
      report.open.push(lookup.id);
      continue;
    }
    const applied = await ctx.db.transaction().execute(async (trx) => {
      const result = await applyResolution(trx, lookup.id, resolution);
      if (result.applied && result.senderNumber) {
        await enqueueSenderTurn(ctx.boss, result.senderNumber, { db: trx });
      }
      return result;
    });
    if (!applied.applied) continue;
    // A turn queued for later (the sender waited out its breaker) starts now instead.
    if (applied.senderNumber) await bringTurnsForward(ctx.boss, [applied.senderNumber]);
    (resolution.kind === 'SENT' ? report.sent : report.resent).push(lookup.id);
    ctx.logger.info('UNKNOWN message resolved from WAHA’s record', {
      message_id: lookup.id,
      sender: lookup.senderNumber,
      resolved: resolution.kind,
    });
  }
  return report;
}

async function lookUp(
  ctx: DispatchContext,
  lookup: UnknownLookup,
): Promise<Resolution | { kind: 'UNANSWERED' }> {
  if (!lookup.target) return { kind: 'UNANSWERED' };
  const client = ctx.wahaClients.clientFor({
    url: lookup.target.url,
    apiKey: lookup.target.apiKey,
  });
  try {
    const history = await client.chatMessages(
      {
        session: lookup.target.wahaSession,
        chatId: toChatId(lookup.recipient),
        sinceSeconds: windowStartSeconds(lookup),
        limit: HISTORY_LIMIT,
      },
      { timeoutMs: ctx.config.sendTimeoutMs },
    );
    const taken = await wahaIdsInUse(
      ctx.db,
      history.map((m) => m.id),
    );
    // A full page may not reach the call's window: only a record found in it is conclusive.
    const resolution = resolveFromHistory(lookup, history, {
      now: new Date(),
      settleSeconds: ctx.config.unknownSettleSeconds,
      taken,
    });
    if (resolution.kind === 'NOT_SENT' && history.length >= HISTORY_LIMIT) {
      return { kind: 'UNANSWERED' };
    }
    return resolution;
  } catch (error) {
    ctx.logger.debug('WAHA could not answer an UNKNOWN lookup', {
      message_id: lookup.id,
      error: String(error),
    });
    return { kind: 'UNANSWERED' };
  }
}

export function createResolveUnknownTask(ctx: DispatchContext): PeriodicTask {
  return {
    name: 'resolve-unknown',
    intervalMs: ctx.config.unknownResolveIntervalSeconds * 1000,
    run: () => resolveUnknownOnce(ctx),
  };
}
