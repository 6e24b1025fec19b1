import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import {
  type Env,
  loadEnv,
  loggingEnv,
  metricsEnv,
  postgresUrl,
  strictBoolean,
} from '@herald/config';
import { z } from 'zod';

/**
 * A WAHA call starts only while the sender's lease stands for at least this long yet, and a
 * dispatcher whose heartbeat has not renewed its leases for LEASE_SECONDS minus this stops claiming.
 */
export const LEASE_MARGIN_MS = 1000;

/** The heartbeat runs every third of the lease: two may fail before a lease could lapse. */
export const MIN_LEASE_SECONDS = 3;

/** Time a refused send needs beyond WAHA's status wait to come back (WAHA polls every 500 ms). */
export const STATUS_WAIT_MARGIN_MS = 500;

/** The adaptive send timeout's cap when SEND_TIMEOUT_MAX_MS is unset (never below the floor). */
export const DEFAULT_SEND_TIMEOUT_CAP_MS = 60_000;
/** Senders one process may serve at once: a resting turn costs a timer, not a connection. */
export const MAX_CONCURRENCY = 10_000;

export const DispatcherConfigSchema = z
  .object({
    DATABASE_URL: postgresUrl,
    /** Names this process in leases, `claimed_by` and logs. */
    DISPATCHER_ID: z
      .string()
      .regex(/^[\w.-]{1,64}$/, 'letters, digits, dot, dash or underscore (at most 64)')
      .optional(),
    /**
     * How long a dead dispatcher keeps its senders before another takes over. A live one renews
     * its leases with its heartbeat (every third of this), so a WAHA call may outlast it.
     */
    LEASE_SECONDS: z.coerce
      .number()
      .min(
        MIN_LEASE_SECONDS,
        `must be at least ${MIN_LEASE_SECONDS}: the heartbeat renews the leases every LEASE_SECONDS/3 and stops claims ${LEASE_MARGIN_MS} ms before they could lapse`,
      )
      .max(3600)
      .default(5),
    /** How long one turn may keep a sender before handing it back to the queue. */
    TURN_SECONDS: z.coerce.number().positive().max(3600).default(30),
    /** The floor of the adaptive send timeout: a worker's timeout never goes below it. */
    SEND_TIMEOUT_MS: z.coerce.number().int().min(100).default(20_000),
    /** The cap of the adaptive send timeout. Default: 60 s (the heartbeat keeps the lease meanwhile). */
    SEND_TIMEOUT_MAX_MS: z.coerce.number().int().min(100).optional(),
    /** Timeouts and resets of one worker within the window that make it degraded (0: no breaker). */
    WORKER_BREAKER_THRESHOLD: z.coerce.number().int().min(0).max(10_000).default(5),
    WORKER_BREAKER_WINDOW_SECONDS: z.coerce.number().positive().max(86_400).default(60),
    /** A degraded worker waits this long before a probe that answers brings it back. */
    WORKER_BREAKER_COOLDOWN_SECONDS: z.coerce.number().min(0).max(86_400).default(30),
    /**
     * How long the WAHA workers wait for a session to be WORKING before answering a send with 422
     * (WAHA: up to 5 s + 10 s; the emulator: its `--status-wait-ms`).
     */
    WAHA_STATUS_WAIT_MS: z.coerce.number().int().min(0).max(600_000).default(15_000),
    /** Default: a third of the lease, at least one second. */
    SWEEP_SECONDS: z.coerce.number().positive().max(3600).optional(),
    /** Senders this process serves at once. */
    CONCURRENCY: z.coerce.number().int().min(1).max(MAX_CONCURRENCY).default(50),
    MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(5),
    /** Ask WAHA whether each recipient is on WhatsApp before sending to it. */
    CHECK_NUMBERS: strictBoolean.default(true),
    /** How often to look for turns when the last look found fewer than there were free slots. */
    POLL_INTERVAL_MS: z.coerce.number().int().min(10).max(60_000).default(500),
    /** First retry delay after a transient WAHA error; doubles per attempt up to the max. */
    /** After an UNKNOWN, the sender sends nothing more until it is resolved, or this long (0: no hold). */
    UNKNOWN_HOLD_SECONDS: z.coerce.number().min(0).max(3600).default(60),
    /** WAHA's record of a call is complete this long after the call ended (no record then: not sent). */
    UNKNOWN_SETTLE_SECONDS: z.coerce.number().min(0).max(3600).default(20),
    /** How often each dispatcher looks UNKNOWN messages up at WAHA (0: never). */
    UNKNOWN_RESOLVE_INTERVAL_SECONDS: z.coerce.number().min(0).max(3600).default(5),
    /** UNKNOWN messages older than this are left as they are. */
    UNKNOWN_RESOLVE_MAX_AGE_SECONDS: z.coerce.number().min(60).max(2_592_000).default(86_400),
    RETRY_BACKOFF_SECONDS: z.coerce.number().min(0).max(3600).default(2),
    RETRY_BACKOFF_MAX_SECONDS: z.coerce.number().min(0).max(86_400).default(60),
    /** Each worker is probed (and its sessions reconciled) once per this many seconds, fleet-wide; 0: not by this process. */
    PROBE_INTERVAL_SECONDS: z.coerce.number().min(0).max(3600).default(15),
    /** A session still waiting for its QR scan this long after it began is stopped, freeing its slot. */
    PAIRING_TIMEOUT_SECONDS: z.coerce.number().int().min(10).max(86_400).default(300),
    /** A CONNECTED session whose linked device has been idle this many days gets a keep-alive. */
    KEEPALIVE_DAYS: z.coerce.number().min(1).max(29).default(12),
    /** Herald's webhooks to the client: the target of campaigns without a callback_url. */
    CLIENT_WEBHOOK_URL: z.url({ protocol: /^https?$/ }).optional(),
    /** Signs every client webhook (HMAC-SHA256); no webhook is sent without it. */
    CLIENT_WEBHOOK_SECRET: z.string().min(16).optional(),
    /** Lets webhooks reach loopback, private and link-local addresses (a receiver on your LAN). */
    CLIENT_WEBHOOK_ALLOW_PRIVATE: strictBoolean.default(false),
    /** How often the change feed is turned into webhook jobs. */
    WEBHOOK_DRAIN_MS: z.coerce.number().int().min(50).max(60_000).default(500),
    /** First retry delay of a failed webhook; it doubles (with jitter) up to an hour. */
    WEBHOOK_RETRY_DELAY_SECONDS: z.coerce.number().int().min(1).max(3600).default(5),
    WEBHOOK_RETRY_LIMIT: z.coerce.number().int().min(0).max(100).default(20),
    /** `/healthz`, `/readyz` and `/metrics` of a dispatcher process (0: any free port). */
    METRICS_PORT: z.coerce.number().int().min(0).max(65_535).default(9464),
    METRICS_HOST: z.string().default('0.0.0.0'),
    ...metricsEnv,
    ...loggingEnv,
  })
  .superRefine((env, ctx) => {
    if (env.CLIENT_WEBHOOK_URL && !env.CLIENT_WEBHOOK_SECRET) {
      ctx.addIssue({
        code: 'custom',
        path: ['CLIENT_WEBHOOK_SECRET'],
        message: 'is required with CLIENT_WEBHOOK_URL (webhooks are always signed)',
      });
    }
    if (env.SEND_TIMEOUT_MAX_MS !== undefined && env.SEND_TIMEOUT_MAX_MS < env.SEND_TIMEOUT_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['SEND_TIMEOUT_MAX_MS'],
        message: 'must not be below SEND_TIMEOUT_MS (the floor of the adaptive send timeout)',
      });
    }
    // A send to a session that is not WORKING is answered (422, nothing sent) only after WAHA's
    // status wait: a shorter timeout would turn each such send into an UNKNOWN.
    const shortest = env.WAHA_STATUS_WAIT_MS + STATUS_WAIT_MARGIN_MS;
    if (env.SEND_TIMEOUT_MS < shortest) {
      ctx.addIssue({
        code: 'custom',
        path: ['SEND_TIMEOUT_MS'],
        message: `must be at least WAHA_STATUS_WAIT_MS + ${STATUS_WAIT_MARGIN_MS} (${shortest}): WAHA waits that long for a session to be WORKING before it refuses a send, and a call that times out first is UNKNOWN although nothing was sent (set WAHA_STATUS_WAIT_MS to your workers' wait)`,
      });
    }
    // The breaker must outlast the settle time, or the sender could send while WAHA may still be
    // working on the call that went UNKNOWN.
    if (env.UNKNOWN_HOLD_SECONDS > 0 && env.UNKNOWN_HOLD_SECONDS < env.UNKNOWN_SETTLE_SECONDS) {
      ctx.addIssue({
        code: 'custom',
        path: ['UNKNOWN_HOLD_SECONDS'],
        message: 'must not be below UNKNOWN_SETTLE_SECONDS (or be 0 to switch the hold off)',
      });
    }
    if (env.RETRY_BACKOFF_MAX_SECONDS < env.RETRY_BACKOFF_SECONDS) {
      ctx.addIssue({
        code: 'custom',
        path: ['RETRY_BACKOFF_MAX_SECONDS'],
        message: 'must not be below RETRY_BACKOFF_SECONDS',
      });
    }
  });

export type DispatcherConfig = ReturnType<typeof loadConfig>;

/** Parses the environment once, at startup; nothing else reads process.env. */
export function loadConfig(env: Env) {
  const config = loadEnv(DispatcherConfigSchema, env);
  const dispatcherId = config.dispatcherId ?? defaultDispatcherId();
  return Object.freeze({
    ...config,
    dispatcherId,
    // Its own file, named by its id: dispatchers beside each other never share one.
    logFile: config.logFile ?? `./logs/dispatcher-${dispatcherId}.log`,
    sweepSeconds: config.sweepSeconds ?? Math.max(1, config.leaseSeconds / 3),
    sendTimeoutMaxMs: config.sendTimeoutMaxMs ?? defaultSendTimeoutCap(config),
    workerBreaker: Object.freeze({
      threshold: config.workerBreakerThreshold,
      windowSeconds: config.workerBreakerWindowSeconds,
      cooldownSeconds: config.workerBreakerCooldownSeconds,
    }),
  });
}

/** A minute, never below the floor: the heartbeat renews the lease however long a call lasts. */
function defaultSendTimeoutCap(config: { sendTimeoutMs: number }): number {
  return Math.max(config.sendTimeoutMs, DEFAULT_SEND_TIMEOUT_CAP_MS);
}

function defaultDispatcherId(): string {
  const host =
    hostname()
      .replace(/[^\w.-]/g, '')
      .slice(0, 40) || 'host';
  return `${host}-${process.pid}-${randomBytes(3).toString('hex')}`;
}
