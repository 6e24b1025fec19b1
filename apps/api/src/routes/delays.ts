import {
  type DelaySettings,
  findSenderDelays,
  getDelaySettings,
  type SenderDelays,
} from '@herald/db';
import { z } from 'zod';
import type { RouteModule } from '../deps.ts';
import { setGlobalDelays, setSenderDelays } from '../services/delay-settings.ts';
import { requireSenderNumber } from '../services/sender-scope.ts';

export const MAX_DELAY_SECONDS = 3600;

const Seconds = z.number().min(0).max(MAX_DELAY_SECONDS);
// Query strings carry text: a plain decimal, so "", "1e3" and "0x10" are refused rather than coerced.
const SecondsText = z
  .string()
  .regex(/^\d+(\.\d+)?$/, 'must be a number of seconds such as 2 or 1.5')
  .transform(Number)
  .pipe(Seconds);
// In user-delays, "null" (or an empty value) clears an override.
const OverrideText = z.union([z.enum(['null', '']).transform(() => null), SecondsText]);

const DelaySettingsBody = z
  .object({
    MESSAGE_DELAY: Seconds.optional().meta({
      description: 'Seconds between two messages of one sender',
    }),
    SENDER_SWITCH_DELAY: Seconds.optional().meta({
      description: 'Seconds a worker waits before sending for a different sender',
    }),
  })
  .optional()
  .meta({ id: 'DelaySettingsUpdate' });

const DelaySettingsQuery = z.object({
  message_delay: SecondsText.optional().meta({
    description: 'Same as MESSAGE_DELAY (earlier clients)',
  }),
  sender_switch_delay: SecondsText.optional().meta({ description: 'Same as SENDER_SWITCH_DELAY' }),
});

export const DelaySettingsDto = z
  .object({
    MESSAGE_DELAY: z.number(),
    SENDER_SWITCH_DELAY: z.number(),
    updated_at: z.iso.datetime(),
  })
  .meta({ id: 'DelaySettings' });

const UserDelaysQuery = z.object({
  sender_number: z.string().max(64).optional().meta({ description: 'The sender (required)' }),
  message_delay: OverrideText.optional().meta({
    description: 'Seconds, or "null" to clear the override',
  }),
  sender_switch_delay: OverrideText.optional().meta({
    description: 'Seconds, or "null" to clear the override',
  }),
});

const UserDelaysBody = z
  .object({
    message_delay: Seconds.nullable().optional(),
    sender_switch_delay: Seconds.nullable().optional(),
  })
  .optional()
  .meta({
    id: 'UserDelaysUpdate',
    description: 'Alternative to the query parameters; null clears an override',
  });

export const UserDelaysDto = z
  .object({
    sender_number: z.string(),
    MESSAGE_DELAY: z
      .number()
      .meta({ description: 'In force for this sender: its override, else the global value' }),
    SENDER_SWITCH_DELAY: z.number(),
    message_delay: z
      .number()
      .nullable()
      .meta({ description: 'The override, or null when the global value applies' }),
    sender_switch_delay: z.number().nullable(),
    known: z.boolean().meta({
      description: 'Whether Herald has seen this sender; unknown senders get the global values',
    }),
    updated_at: z.iso.datetime().nullable(),
  })
  .meta({ id: 'UserDelays' });

const toDelaySettingsDto = (s: DelaySettings) => ({
  MESSAGE_DELAY: s.message_delay,
  SENDER_SWITCH_DELAY: s.sender_switch_delay,
  updated_at: s.updated_at.toISOString(),
});

const toUserDelaysDto = (d: SenderDelays) => ({
  sender_number: d.phone_number,
  MESSAGE_DELAY: d.in_force.message_delay,
  SENDER_SWITCH_DELAY: d.in_force.sender_switch_delay,
  message_delay: d.overrides.message_delay,
  sender_switch_delay: d.overrides.sender_switch_delay,
  known: d.known,
  updated_at: d.updated_at?.toISOString() ?? null,
});

export const delayRoutes: RouteModule = (r, deps) => {
  const senderOf = (given: string | undefined) =>
    requireSenderNumber(given, deps.config.defaultCountry);

  r.route({
    method: 'get',
    path: '/api/admin/delays',
    summary: 'The global delays',
    tags: ['Delays'],
    access: 'admin',
    responses: { 200: { description: 'The global delays', schema: DelaySettingsDto } },
    handler: async () => {
      return { status: 200, body: toDelaySettingsDto(await getDelaySettings(deps.db)) };
    },
  });

  r.route({
    method: 'post',
    path: '/api/admin/delays',
    summary:
      'Set the global delays (JSON body or query string); dispatchers apply them from the next send',
    tags: ['Delays'],
    access: 'admin',
    request: { body: DelaySettingsBody, query: DelaySettingsQuery },
    responses: { 200: { description: 'The global delays now in force', schema: DelaySettingsDto } },
    handler: async ({ body, query }) => {
      const settings = await setGlobalDelays(deps.db, { body, query });
      return { status: 200, body: toDelaySettingsDto(settings) };
    },
  });

  r.route({
    method: 'get',
    path: '/api/admin/user-delays',
    summary: "A sender's delay overrides and the delays in force for it",
    tags: ['Delays'],
    access: 'admin',
    request: { query: UserDelaysQuery.pick({ sender_number: true }) },
    responses: { 200: { description: "The sender's delays", schema: UserDelaysDto } },
    handler: async ({ query }) => {
      const delays = await findSenderDelays(deps.db, senderOf(query.sender_number));
      return { status: 200, body: toUserDelaysDto(delays) };
    },
  });

  r.route({
    method: 'post',
    path: '/api/admin/user-delays',
    summary: "Set or clear a sender's delay overrides (query string or JSON body)",
    tags: ['Delays'],
    access: 'admin',
    request: { query: UserDelaysQuery, body: UserDelaysBody },
    responses: { 200: { description: "The sender's delays now", schema: UserDelaysDto } },
    handler: async ({ query, body }) => {
      const { sender_number, ...changes } = query;
      const delays = await setSenderDelays(deps.db, senderOf(sender_number), {
        body,
        query: changes,
      });
      return { status: 200, body: toUserDelaysDto(delays) };
    },
  });
};
