import {
  type Env,
  loadEnv,
  loggingEnv,
  metricsEnv,
  postgresUrl,
  strictBoolean,
} from '@herald/config';
import { type CountryCode, isCountryCode } from '@herald/domain';
import { z } from 'zod';

const seconds = z.coerce.number().min(0).max(86_400);

const WEAK_KEYS = new Set(['', '123', '321', 'admin', 'password', 'changeme', 'secret']);

export const ApiConfigSchema = z
  .object({
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
    BODY_LIMIT: z.string().default('20mb'),
    QR_TTL_SECONDS: z.coerce.number().int().min(1).default(20),
    WAHA_TIMEOUT_MS: z.coerce.number().int().min(1000).default(30_000),
    /** Bound on the live WAHA read behind GET /api/sessions/{phone}; the stored state answers after it. */
    SESSION_REFRESH_TIMEOUT_MS: z.coerce.number().int().min(100).default(3_000),
    /** Phone-activity webhooks older than this are replays or hopelessly late: ignored. */
    WEBHOOK_MAX_AGE_SECONDS: z.coerce.number().int().min(10).default(600),
    /** `expiry_warning` turns true this many days before a session's estimated expiry. */
    EXPIRY_WARNING_DAYS: z.coerce.number().min(0).max(30).default(2),
    TRUST_PROXY: strictBoolean.default(false),
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
