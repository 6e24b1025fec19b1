import { deleteExpiredIdempotencyKeys, deleteOldCampaignEvents } from '@herald/db';
import type { DispatchContext } from '../context.ts';
import type { PeriodicTask } from '../periodic.ts';

/** Idempotency keys are promised for at least a day; they go some time after that. */
export const IDEMPOTENCY_KEY_SECONDS = 24 * 3600;
/** The change feed behind live progress and webhooks keeps a week of history. */
export const CAMPAIGN_EVENT_SECONDS = 7 * 24 * 3600;
const EVENTS_PER_RUN = 50_000;

/** Hourly: every dispatcher may run it, deleting expired rows twice is harmless. */
export function createExpireOldRecordsTask(
  ctx: Pick<DispatchContext, 'db' | 'logger'>,
): PeriodicTask {
  return {
    name: 'expire-old-records',
    intervalMs: 3600_000,
    async run() {
      const keys = await deleteExpiredIdempotencyKeys(ctx.db, IDEMPOTENCY_KEY_SECONDS);
      const events = await deleteOldCampaignEvents(ctx.db, CAMPAIGN_EVENT_SECONDS, EVENTS_PER_RUN);
      if (keys + events > 0) ctx.logger.info('old records deleted', { keys, events });
    },
  };
}
