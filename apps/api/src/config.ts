import { type Env, loadEnv, loggingEnv, postgresUrl, strictBoolean } from '@herald/config';
import { type CountryCode, isCountryCode } from '@herald/domain';
import { z } from 'zod';
import { isCorsOriginRule } from './http/cors.ts';

const seconds = z.coerce.number().min(0).max(86_400);
/** A size as body-parser reads it: `512kb`, `10mb`, or bytes. */
const byteSize = z.string().regex(/^\d+(\.\d+)?\s*(b|kb|mb)?$/i, 'must be a size such as 10mb');

const WEAK_KEYS = new Set(['', '123', '321', 'admin', 'password', 'changeme', 'secret']);

export const ApiConfigSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65_535).default(8000),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: postgresUrl,
  ADMIN_API_KEY: z
    .string()
    .refine((k) => k.length >= 16 && !WEAK_KEYS.has(k), {
      message: 'must be at least 16 characters and not a well-known value',
    })
    .optional(),
  /** How WAHA workers reach the gateway; default the address it listens on. */
  PUBLIC_URL: z.url().optional(),
  WEBHOOK_HMAC_KEY: z.string().min(16).optional(),
  MESSAGE_DELAY: seconds.default(2),
  SENDER_SWITCH_DELAY: seconds.default(5),
  DEFAULT_COUNTRY: z
    .custom<CountryCode>((c) => typeof c === 'string' && isCountryCode(c), {
      message: 'must be an ISO 3166 alpha-2 country code such as TN',
    })
    .default('TN'),
  MAX_LIVE_SESSIONS: z.coerce.number().int().min(1).default(100),
  MAX_RECIPIENTS: z.coerce.number().int().min(1).default(100_000),
  /** JSON body limit (`10mb` or bytes); unset, it is derived from MAX_RECIPIENTS. */
  BODY_LIMIT: byteSize.optional(),
  /** Body limit of the WAHA webhook route: an event is small, and it is read before it is verified. */
  WEBHOOK_BODY_LIMIT: byteSize.default('1mb'),
  /**
   * Hosts (names or IP addresses, comma-separated) the media fetcher may reach even though they
   * are internal: e.g. a media server on the private network. Everything else must be public.
   */
  MEDIA_ALLOWED_HOSTS: z
    .string()
    .default('')
    .transform((list) =>
      list
        .split(',')
        .map((h) => h.trim())
        .filter(Boolean),
    ),
  /** The largest media file a campaign may carry (WhatsApp's limit for images and video: 16 MB). */
  MEDIA_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(100 * 1024 * 1024)
    .default(16 * 1024 * 1024),
  /** How long fetching a campaign's media may take, redirects included. */
  MEDIA_FETCH_TIMEOUT_MS: z.coerce.number().int().min(500).default(15_000),
  /** The total rendered text of one campaign, in characters: bounds the rows one request writes. */
  MAX_CAMPAIGN_TEXT: z.coerce.number().int().min(65_536).default(200_000_000),
  QR_TTL_SECONDS: z.coerce.number().int().min(1).default(20),
  WAHA_TIMEOUT_MS: z.coerce.number().int().min(1000).default(30_000),
  /** Bound on the live WAHA read behind GET /api/sessions/{phone}; the stored state answers after it. */
  SESSION_REFRESH_TIMEOUT_MS: z.coerce.number().int().min(100).default(3_000),
  /** Phone-activity webhooks older than this are replays or hopelessly late: ignored. */
  WEBHOOK_MAX_AGE_SECONDS: z.coerce.number().int().min(10).default(600),
  /** `expiry_warning` turns true this many days before a session's estimated expiry. */
  EXPIRY_WARNING_DAYS: z.coerce.number().min(0).max(30).default(2),
  TRUST_PROXY: strictBoolean.default(false),
  /** Lets a campaign's callback_url point at loopback, private or link-local addresses. */
  CLIENT_WEBHOOK_ALLOW_PRIVATE: strictBoolean.default(false),
  /**
   * Browser origins allowed to call the API (comma-separated): `chrome-extension://*` means any
   * extension; add exact web origins such as `https://app.example.com`. Others get no CORS headers.
   */
  CORS_ORIGINS: z
    .string()
    .default('chrome-extension://*')
    .transform((list) =>
      list
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean),
    )
    .refine((rules) => rules.every(isCorsOriginRule), {
      message:
        'each entry must be an origin (https://app.example.com) or scheme://* (chrome-extension://*)',
    }),
  ...loggingEnv,
});

export type ApiConfig = ReturnType<typeof loadConfig>;

/** Parses the environment once, at startup; nothing else reads process.env. */
export function loadConfig(env: Env) {
  return loadEnv(ApiConfigSchema, env);
}
