import { WAHA_SESSION_STATUSES } from '@herald/domain';
import { z } from 'zod';
import { WahaMeSchema } from './schemas.ts';

// WAHA's webhook contract: the one envelope every event comes in, and the payloads Herald reads.

export const WahaWebhookEventSchema = z.looseObject({
  id: z.string().optional(),
  /** When WAHA emitted the event (ms since the epoch). */
  timestamp: z.number().optional(),
  event: z.string().meta({ example: 'message.ack' }),
  session: z.string().optional(),
  metadata: z.record(z.string(), z.unknown()).nullish(),
  me: WahaMeSchema.nullish(),
  payload: z.unknown(),
});
export type WahaWebhookEvent = z.output<typeof WahaWebhookEventSchema>;

/** `session.status` */
export const SessionStatusPayloadSchema = z.looseObject({
  status: z.enum(WAHA_SESSION_STATUSES),
  me: WahaMeSchema.nullish(),
});

/** `message.ack`: the serialized id of a message and its ack level (-1 ERROR … 4 PLAYED). */
export const MessageAckPayloadSchema = z.looseObject({
  id: z.string().min(1),
  ack: z.number().int().min(-1).max(10),
});

/** `message.any`: any message of the account, sent or received. */
export const MessageAnyPayloadSchema = z.looseObject({
  id: z.string().nullish(),
  /** Unix seconds. */
  timestamp: z.number().nullish(),
  fromMe: z.boolean().nullish(),
  to: z.string().nullish(),
  body: z.string().nullish(),
  source: z.string().nullish(),
});

/** `message`: a message the account received (or, with fromMe, sent). */
export const IncomingMessagePayloadSchema = z.looseObject({
  from: z.string().min(1),
  fromMe: z.boolean(),
  body: z.string().nullish(),
});

/**
 * NOWEB's message store as Herald configures it on its sessions: without it WAHA cannot tell
 * Herald what an UNKNOWN send became (the chat history; other engines ignore it).
 */
export const MESSAGE_STORE_CONFIG = { noweb: { store: { enabled: true, fullSync: false } } };
