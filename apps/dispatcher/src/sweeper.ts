import { enqueueSenderTurn, expireSenderLeases, findOverdueSenders } from '@herald/db';
import type { DispatchContext } from './context.ts';
import type { PeriodicTask } from './periodic.ts';

/** A sender is overdue when its next send time passed this long ago and no turn took it. */
export const OVERDUE_GRACE_SECONDS = 2;
const EXPIRED_PER_PASS = 100;
const OVERDUE_PER_PASS = 500;

export interface SweepResult {
  expired: number;
  lostMessages: number;
  resumed: number;
}

/**
 * Recovery, run by every dispatcher: senders whose dispatcher died lose their lease (their SENDING
 * messages become UNKNOWN) and get a new turn; senders with due work and no turn (a lost
 * continuation, or a session or worker that came back) get one too.
 */
export async function sweepOnce(ctx: DispatchContext): Promise<SweepResult> {
  const expired = await ctx.db.transaction().execute(async (trx) => {
    const result = await expireSenderLeases(trx, { limit: EXPIRED_PER_PASS });
    for (const sender of result.resumable) await enqueueSenderTurn(ctx.boss, sender, { db: trx });
    return result;
  });
  ctx.metrics.sweeps.inc({ result: expired.senders.length > 0 ? 'took_over' : 'clean' });
  ctx.metrics.leaseTakeovers.inc(expired.senders.length);
  if (expired.senders.length > 0) {
    ctx.logger.warn('took back senders from lapsed leases', {
      senders: expired.senders,
      unknown: expired.lostMessages,
    });
  }
  const overdue = await findOverdueSenders(ctx.db, {
    graceSeconds: OVERDUE_GRACE_SECONDS,
    limit: OVERDUE_PER_PASS,
  });
  let resumed = 0;
  for (const sender of overdue) {
    if (await enqueueSenderTurn(ctx.boss, sender)) resumed += 1;
  }
  if (resumed > 0) ctx.logger.info('enqueued turns for overdue senders', { count: resumed });
  return { expired: expired.senders.length, lostMessages: expired.lostMessages, resumed };
}

export function createSweepTask(ctx: DispatchContext): PeriodicTask {
  return {
    name: 'recovery-sweep',
    intervalMs: ctx.config.sweepSeconds * 1000,
    run: () => sweepOnce(ctx),
  };
}
