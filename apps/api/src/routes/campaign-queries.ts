import { strictBoolean } from '@herald/config';
import { CAMPAIGN_STATUSES, MESSAGE_STATUSES, parseDateBound } from '@herald/domain';
import { z } from 'zod';
import { MessageCursor } from '../services/campaign-status.ts';

export const SenderNumberQuery = z.string().max(64).optional().meta({
  description:
    'Your sender number (or the X-Sender-Number header). Required for users; an optional filter for admins.',
});

export const CampaignIdParams = z.object({
  campaign_id: z
    .string()
    .regex(/^[1-9]\d{0,14}$/, 'must be a positive integer')
    .meta({ example: '1' }),
});

/** The default page holds a whole campaign of up to this many messages, as before paging. */
export const DEFAULT_DETAILS_PAGE = 10_000;

export const CampaignStatusQuery = z
  .object({
    sender_number: SenderNumberQuery,
    details: strictBoolean.default(false).meta({ description: 'Include the messages' }),
    limit: z.coerce
      .number()
      .int()
      .min(1)
      .max(100_000)
      .default(DEFAULT_DETAILS_PAGE)
      .meta({
        description: `Messages per page, in sending order (default ${DEFAULT_DETAILS_PAGE}: a campaign of up to that many messages comes whole, as before paging)`,
      }),
    cursor: z
      .string()
      .regex(MessageCursor, 'must be a next_cursor returned by this endpoint')
      .optional()
      .meta({
        description:
          'The `next_cursor` of the previous page: the page after it. Opaque; stable while messages change status',
      }),
    offset: z.coerce
      .number()
      .int()
      .min(0)
      .default(0)
      .meta({ description: 'Messages to skip (older paging; prefer `cursor`, not both)' }),
    status: z
      .enum(MESSAGE_STATUSES)
      .optional()
      .meta({ description: 'Only the messages in this status (with details=true)' }),
  })
  .refine((q) => q.cursor === undefined || q.offset === 0, {
    message: 'give either cursor or offset, not both',
    path: ['offset'],
  });

const DateBound = z.string().transform((text, ctx) => {
  const bound = parseDateBound(text);
  if (bound) return bound;
  ctx.addIssue({
    code: 'custom',
    message: 'must be an ISO date (2024-05-01) or date-time (2024-05-01T10:00:00Z)',
  });
  return z.NEVER;
});

export const CampaignListQuery = z.object({
  sender_number: SenderNumberQuery,
  status: z.enum(CAMPAIGN_STATUSES).optional(),
  start_date: DateBound.optional().meta({
    description: 'Created at or after (UTC when no offset)',
  }),
  end_date: DateBound.optional().meta({
    description: 'Created at or before; a date includes that whole UTC day',
  }),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});
