import { deleteExpiredIdempotencyKeys } from '@herald/db';
import type { DispatchContext } from '../context.ts';
import type { PeriodicTask } from '../periodic.ts';

/** Idempotency keys are promised for at least a day; they go some time after that. */
export const IDEMPOTENCY_KEY_SECONDS = 24 * 3600;

/** Hourly: every dispatcher may run it, a delete of expired rows is harmless twice. */
export function createExpireIdempotencyKeysTask(
  ctx: Pick<DispatchContext, 'db' | 'logger'>,
): PeriodicTask {
  return {
    name: 'expire-idempotency-keys',
    intervalMs: 3600_000,
    async run() {
      const deleted = await deleteExpiredIdempotencyKeys(ctx.db, IDEMPOTENCY_KEY_SECONDS);
      if (deleted > 0) ctx.logger.info('expired idempotency keys deleted', { deleted });
    },
  };
}
