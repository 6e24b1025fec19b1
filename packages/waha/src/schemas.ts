import { WAHA_SESSION_STATUSES } from '@herald/domain';
import { z } from 'zod';

// What WAHA answers, as zod schemas: every answer is parsed, never cast. Only the fields Herald
// reads are required; the rest pass through untouched (`looseObject`), so a newer WAHA that adds
// fields still parses.

export const WahaMeSchema = z.looseObject({
  id: z.string(),
  pushName: z.string().nullish(),
  lid: z.string().nullish(),
  jid: z.string().nullish(),
});
export type WahaMe = z.output<typeof WahaMeSchema>;

const SessionConfigSchema = z.looseObject({
  metadata: z.record(z.string(), z.unknown()).nullish(),
  webhooks: z.array(z.looseObject({})).nullish(),
});

/** WAHA writes `config: null` for a session without one, and may leave `me` out. */
export const WahaSessionSchema = z
  .looseObject({
    name: z.string(),
    status: z.enum(WAHA_SESSION_STATUSES),
    me: WahaMeSchema.nullish(),
    config: SessionConfigSchema.nullish(),
    /** Absent from list answers; `{}` while the session is stopped. */
    engine: z.looseObject({ engine: z.string().optional() }).optional(),
  })
  .transform(({ me, config, ...rest }) => ({
    ...rest,
    me: me ?? null,
    ...(config ? { config } : {}),
  }));
export type WahaSession = z.output<typeof WahaSessionSchema>;

export const WahaServerVersionSchema = z.looseObject({
  version: z.string(),
  engine: z.string(),
  tier: z.enum(['CORE', 'PLUS']),
  /** A browser path for WEBJS; null for the engines that run without one. */
  browser: z.string().nullish(),
  platform: z.string().optional(),
});
export type WahaServerVersion = z.output<typeof WahaServerVersionSchema>;

export const WahaServerStatusSchema = z.looseObject({
  startTimestamp: z.number().optional(),
  /** Milliseconds. */
  uptime: z.number(),
});
export type WahaServerStatus = z.output<typeof WahaServerStatusSchema>;

export const QrImageSchema = z.looseObject({ mimetype: z.string(), data: z.string() });
export const QrValueSchema = z.looseObject({ value: z.string() });
export const PairingCodeSchema = z.looseObject({ code: z.string() });
/** The engine's message object; `extractMessageId` reads its id, whichever engine answered. */
export const SentMessageSchema = z.record(z.string(), z.unknown());
/** Only GOWS sends `chatId: null` for a negative answer; the others omit it. */
export const NumberExistsSchema = z.looseObject({
  numberExists: z.boolean(),
  chatId: z.string().nullish(),
});

/** One entry of a chat's history (WAHA's WAMessage); only what Herald matches on is read. */
export const ChatMessageSchema = z.looseObject({
  id: z.string(),
  /** Unix seconds. */
  timestamp: z.number(),
  fromMe: z.boolean(),
  body: z.string().nullish(),
});
export type ChatMessage = z.output<typeof ChatMessageSchema>;
