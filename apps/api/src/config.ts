import {
  type Env,
  loadEnv,
  loggingEnv,
  metricsEnv,
  postgresUrl,
  strictBoolean,
  strongKey,
} from '@herald/config';
import { type CountryCode, DEFAULT_OPT_OUT_KEYWORDS, isCountryCode } from '@herald/domain';
import { z } from 'zod';
import { isCorsOriginRule } from './http/cors.ts';

const seconds = z.coerce.number().min(0).max(86_400);
/** A size as body-parser reads it: `512kb`, `10mb`, or bytes. */
const byteSize = z.string().regex(/^\d+(\.\d+)?\s*(b|kb|mb)?$/i, 'must be a size such as 10mb');

/** Requests per window; 0 turns that limit off. */
const perWindow = (fallback: number) => z.coerce.number().int().min(0).default(fallback);

export const ApiConfigSchema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65_535).default(8000),
    HOST: z.string().default('0.0.0.0'),
    DATABASE_URL: postgresUrl,
    ADMIN_API_KEY: strongKey(24).optional(),
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
    /** Believe X-Forwarded-For (only behind a proxy that sets it): it names the client address. */
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
    /**
     * `open` (the documented default): user endpoints accept requests without a sender token but
     * verify any token presented. `token`: every user endpoint needs the sender's token.
     */
    USER_AUTH: z.enum(['open', 'token']).default('open'),
    /** User requests per minute from one client address. */
    RATE_LIMIT_PER_MINUTE: perWindow(600),
    /** User requests per minute about one sender number. */
    SENDER_RATE_LIMIT_PER_MINUTE: perWindow(300),
    /** POST /api/sessions per hour from one client address. */
    SESSION_CREATE_LIMIT_PER_HOUR: perWindow(30),
    /** Wrong admin keys per minute from one client address before it gets 429s. */
    ADMIN_AUTH_FAILURES_PER_MINUTE: perWindow(20),
    /** Comma-separated replies that opt a recipient out (whole text, trimmed, case-folded). */
    OPT_OUT_KEYWORDS: z
      .string()
      .default(DEFAULT_OPT_OUT_KEYWORDS.join(','))
      .transform((list) =>
        list
          .split(',')
          .map((word) => word.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.string().max(100)).min(1, 'must name at least one keyword')),
    /** SENDER: an opt-out stops only the number it was sent to; GLOBAL: every sender. */
    OPT_OUT_SCOPE: z.enum(['SENDER', 'GLOBAL']).default('SENDER'),
    /** Sent back once to a recipient who opts out; unset: no reply. */
    OPT_OUT_REPLY: z.string().max(1000).optional(),
    /**
     * Workers registered at every start when missing (a deployment's fixed fleet): comma-separated
     * `name=url` or `url`, all with WAHA_WORKERS_API_KEY and WAHA_WORKERS_CAPACITY.
     */
    WAHA_WORKERS: z
      .string()
      .default('')
      .transform((text, ctx) => parseWorkerList(text, ctx)),
    WAHA_WORKERS_API_KEY: z
      .string()
      .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces (it is sent as a header)')
      .optional(),
    WAHA_WORKERS_CAPACITY: z.coerce.number().int().min(1).max(100_000).default(10),
    ...metricsEnv,
    ...loggingEnv,
  })
  .refine((env) => env.WAHA_WORKERS.length === 0 || env.WAHA_WORKERS_API_KEY, {
    path: ['WAHA_WORKERS_API_KEY'],
    message: 'is required with WAHA_WORKERS',
  });

/** `waha1=http://waha1:3000,http://waha2:3000` → names and URLs; a bad entry is a config error. */
function parseWorkerList(text: string, ctx: z.RefinementCtx): { name?: string; url: string }[] {
  const entries = text
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  return entries.map((entry) => {
    const eq = entry.indexOf('=');
    const name = eq > 0 ? entry.slice(0, eq).trim() : undefined;
    const url = eq > 0 ? entry.slice(eq + 1).trim() : entry;
    if (!z.url({ protocol: /^https?$/ }).safeParse(url).success) {
      ctx.addIssue({ code: 'custom', message: `"${entry}" is not name=http(s)://host:port` });
    }
    return name ? { name, url } : { url };
  });
}

export type ApiConfig = ReturnType<typeof loadConfig>;

/** Parses the environment once, at startup; nothing else reads process.env. */
export function loadConfig(env: Env) {
  return loadEnv(ApiConfigSchema, env);
}
