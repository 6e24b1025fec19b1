import type { SendingState } from '@herald/db';
import { z } from 'zod';

/** Whether a sender sends now, waits on its policy, or is paused; on sessions and campaigns. */
export const SendingStateDto = z
  .object({
    state: z.enum(['ACTIVE', 'WAITING', 'PAUSED']),
    reason: z.string().nullable().meta({
      description:
        'WAITING: HOURLY_CAP, DAILY_CAP, WARMUP, WORKING_HOURS or BURST. PAUSED: HEALTH, NO_SESSION, SESSION_NOT_CONNECTED, NO_WORKER, WORKER_DISABLED or WORKER_UNHEALTHY',
    }),
    resumes_at: z.iso.datetime().nullable(),
    details: z
      .unknown()
      .optional()
      .meta({ description: 'HEALTH: which rule tripped, with its figures' }),
  })
  .meta({ id: 'SendingState' });

export function toSendingDto(state: SendingState | null): z.infer<typeof SendingStateDto> {
  if (!state) return { state: 'PAUSED' as const, reason: 'NO_SESSION', resumes_at: null };
  return {
    state: state.state,
    reason: state.reason,
    resumes_at: state.resumes_at?.toISOString() ?? null,
    ...(state.details === null ? {} : { details: state.details }),
  };
}
