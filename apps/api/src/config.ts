import { type CountryCode, isCountryCode } from '@herald/domain';
import { DEFAULT_LOG_FILE } from '@herald/logging';
import { z } from 'zod';

/** `z.coerce.boolean()` turns "false" into true; env booleans must be spelled out. */
export const envBoolean = z
  .enum(['true', 'false', '1', '0'])
  .transform((v) => v === 'true' || v === '1');

const seconds = z.coerce.number().min(0).max(86_400);

const WEAK_KEYS = new Set(['', '123', '321', 'admin', 'password', 'changeme', 'secret']);

export const ApiConfigSchema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65_535).default(8000),
    HOST: z.string().default('0.0.0.0'),
    DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }),
    ADMIN_API_KEY: z
      .string()
      .optional()
      .refine((k) => k === undefined || (k.length >= 16 && !WEAK_KEYS.has(k)), {
        message: 'must be at least 16 characters and not a well-known value',
      }),
    PUBLIC_URL: z.url().optional(),
    WEBHOOK_HMAC_KEY: z.string().min(16).optional(),
    MESSAGE_DELAY: seconds.default(2),
    SENDER_SWITCH_DELAY: seconds.default(5),
    DEFAULT_COUNTRY: z
      .string()
      .default('TN')
      .refine(isCountryCode, { message: 'must be an ISO 3166 alpha-2 country code such as TN' })
      .transform((c) => c as CountryCode),
    MAX_LIVE_SESSIONS: z.coerce.number().int().min(1).default(100),
    MAX_RECIPIENTS: z.coerce.number().int().min(1).default(100_000),
    BODY_LIMIT: z.string().default('20mb'),
    QR_TTL_SECONDS: z.coerce.number().int().min(1).default(20),
    WAHA_TIMEOUT_MS: z.coerce.number().int().min(1000).default(30_000),
    /** Bound on the live WAHA read behind GET /api/sessions/{phone}; the stored state answers after it. */
    SESSION_REFRESH_TIMEOUT_MS: z.coerce.number().int().min(100).default(3_000),
    /** `expiry_warning` turns true this many days before a session's estimated expiry. */
    /** Phone-activity webhooks older than this are replays or hopelessly late: ignored. */
    WEBHOOK_MAX_AGE_SECONDS: z.coerce.number().int().min(10).default(600),
    EXPIRY_WARNING_DAYS: z.coerce.number().min(0).max(30).default(2),
    TRUST_PROXY: envBoolean.default(false),
    LOG_LEVEL: z.enum(['error', 'warn', 'info', 'http', 'verbose', 'debug']).default('info'),
    LOG_FILE: z.string().default(DEFAULT_LOG_FILE),
  })
  .transform((env) => ({
    ...env,
    PUBLIC_URL: env.PUBLIC_URL ?? `http://127.0.0.1:${env.PORT}`,
  }));

export type ApiConfig = Readonly<z.infer<typeof ApiConfigSchema>>;

/** Parses the environment once, at startup; nothing else reads process.env. */
export function loadConfig(env: NodeJS.ProcessEnv): ApiConfig {
  const parsed = ApiConfigSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  return Object.freeze(parsed.data);
}
