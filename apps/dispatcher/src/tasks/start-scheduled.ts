import { enqueueSenderTurn, hasDueCampaigns, startDueCampaigns } from '@herald/db';
import type { DispatchContext } from '../context.ts';
import type { PeriodicTask } from '../periodic.ts';

const STARTED_PER_PASS = 500;

/**
 * Starts SCHEDULED campaigns whose `send_at` has come and queues their senders' turns, in one
 * transaction: a crash either side leaves the campaign SCHEDULED for the next pass (of any
 * dispatcher), never started without a turn. Runs every poll interval, so a campaign starts
 * within about one interval of its `send_at`.
 */
export async function startScheduledOnce(ctx: DispatchContext): Promise<number> {
  if (!(await hasDueCampaigns(ctx.db))) return 0;
  const senders = await ctx.db.transaction().execute(async (trx) => {
    const due = await startDueCampaigns(trx, { limit: STARTED_PER_PASS });
    for (const sender of due) await enqueueSenderTurn(ctx.boss, sender, { db: trx });
    return due;
  });
  if (senders.length > 0) ctx.logger.info('started scheduled campaigns', { senders });
  return senders.length;
}

export function createScheduledStartTask(ctx: DispatchContext): PeriodicTask {
  return {
    name: 'scheduled-start',
    intervalMs: ctx.config.pollIntervalMs,
    run: () => startScheduledOnce(ctx),
  };
}
