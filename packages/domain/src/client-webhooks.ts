import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/**
 * Herald's own webhooks to the client: one job per message (or campaign) and drain, holding that
 * message's events in order. The queue's policy (key_strict_fifo, keyed by message) keeps later
 * events of a message behind an earlier one that is still being retried.
 */
export const CLIENT_WEBHOOK_QUEUE = 'client-webhook';

/** The header carrying `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`. */
export const CLIENT_WEBHOOK_SIGNATURE_HEADER = 'X-Herald-Signature';

export const ClientWebhookEvent = z.object({
  /** The feed position, unique per event: receivers de-duplicate on it (delivery is at least once). */
  id: z.string(),
  type: z.enum(['message.status', 'campaign.status']),
  occurred_at: z.string(),
  campaign_id: z.number().int(),
  data: z.object({
    message_id: z.number().int().optional(),
    recipient: z.string().optional(),
    status: z.string(),
    error_code: z.string().nullable().optional(),
    /** `resolved_from_unknown` when WAHA's own record settled an UNKNOWN message. */
    note: z.string().optional(),
  }),
});
export type ClientWebhookEvent = z.infer<typeof ClientWebhookEvent>;

export const ClientWebhookPayload = z.object({
  url: z.url(),
  events: z.array(ClientWebhookEvent).min(1),
});
export type ClientWebhookPayload = z.infer<typeof ClientWebhookPayload>;

/** The signature header's value for a body sent at `unixSeconds`. */
export function signClientWebhook(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

/**
 * What a receiver does (and what Herald's tests do): recompute the HMAC over the raw body and
 * refuse a timestamp older than `maxAgeSeconds`, so a captured request cannot be replayed later.
 */
export function verifyClientWebhook(
  secret: string,
  body: string,
  header: string,
  nowSeconds: number,
  maxAgeSeconds = 300,
): boolean {
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=', 2)));
  const t = Number(parts.t);
  if (!Number.isSafeInteger(t) || Math.abs(nowSeconds - t) > maxAgeSeconds) return false;
  const expected = Buffer.from(signClientWebhook(secret, body, t).split('v1=')[1] ?? '', 'hex');
  const given = Buffer.from(String(parts.v1 ?? ''), 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
