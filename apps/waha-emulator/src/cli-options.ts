import { parseArgs } from 'node:util';
import type { EmulatorEngine, EmulatorOptions, EmulatorTier, RetryPolicy } from './types.ts';

export interface CliOptions {
  workers: number;
  basePort: number;
  /** One key for every worker, null for no auth, undefined to generate one per worker. */
  apiKey: string | null | undefined;
  quiet: boolean;
  help: boolean;
  emulator: Omit<EmulatorOptions, 'apiKey' | 'port' | 'log'>;
}

export const USAGE = `Usage: pnpm emulator [options]

  --workers N               workers on consecutive ports (default 1)
  --base-port N             port of the first worker (default 3000; 0 = random ports)
  --host HOST               default 127.0.0.1
  --tier core|plus          default core
  --engine noweb|webjs|gows default noweb
  --api-key KEY             same key for every worker (env WAHA_API_KEY); else one generated per worker
  --no-api-key              no auth at all (env WAHA_NO_API_KEY=true)
  --status-wait-ms N        wait of status-gated routes before a 422 (default 15000)
  --qr-rotate-ms N          default 20000
  --qr-timeout-ms N         unscanned QR -> FAILED after N ms (default 120000)
  --starting-delay-ms N     STARTING -> SCAN_QR_CODE (default 300)
  --ack-delays-ms A,B,C     acks 1, 2, 3 after acceptance (default 500,1500,4000)
  --hook-url URL            global webhook (env WHATSAPP_HOOK_URL)
  --hook-events LIST        comma-separated (env WHATSAPP_HOOK_EVENTS; default * when a URL is set)
  --hook-hmac-key KEY       (env WHATSAPP_HOOK_HMAC_KEY)
  --hook-retries-policy P   linear|exponential|constant (env WHATSAPP_HOOK_RETRIES_POLICY)
  --hook-retries-delay-seconds N, --hook-retries-attempts N (env WHATSAPP_HOOK_RETRIES_*)
  --data-dir DIR            keep sessions in DIR/worker-<port>.json across restarts, as WAHA's
                            local store does (env WAHA_LOCAL_STORE_BASE_DIR; needs a fixed port)
  --no-restart-sessions     sessions running before a restart come back STOPPED (still paired)
                            instead of started (env WAHA_WORKER_RESTART_SESSIONS=false)
  --quiet                   print only the worker lines
`;

/** Parses argv (without node and the script) and env into frozen options; throws on bad input. */
export function parseCliOptions(argv: string[], env: NodeJS.ProcessEnv): CliOptions {
  const args = argv[0] === '--' ? argv.slice(1) : argv;
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      workers: { type: 'string' },
      'base-port': { type: 'string' },
      host: { type: 'string' },
      tier: { type: 'string' },
      engine: { type: 'string' },
      'api-key': { type: 'string' },
      'no-api-key': { type: 'boolean' },
      'status-wait-ms': { type: 'string' },
      'qr-rotate-ms': { type: 'string' },
      'qr-timeout-ms': { type: 'string' },
      'starting-delay-ms': { type: 'string' },
      'ack-delays-ms': { type: 'string' },
      'hook-url': { type: 'string' },
      'hook-events': { type: 'string' },
      'hook-hmac-key': { type: 'string' },
      'hook-retries-policy': { type: 'string' },
      'hook-retries-delay-seconds': { type: 'string' },
      'hook-retries-attempts': { type: 'string' },
      'data-dir': { type: 'string' },
      'no-restart-sessions': { type: 'boolean' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });

  const noKey = values['no-api-key'] === true || env.WAHA_NO_API_KEY === 'true';
  const key = values['api-key'] ?? env.WAHA_API_KEY ?? env.WHATSAPP_API_KEY;
  const hookUrl = values['hook-url'] ?? env.WHATSAPP_HOOK_URL;

  const emulator: CliOptions['emulator'] = {
    host: values.host ?? '127.0.0.1',
    tier: oneOf('--tier', values.tier ?? 'core', ['core', 'plus']).toUpperCase() as EmulatorTier,
    engine: oneOf('--engine', values.engine ?? env.WHATSAPP_DEFAULT_ENGINE ?? 'noweb', [
      'noweb',
      'webjs',
      'gows',
    ]).toUpperCase() as EmulatorEngine,
    statusWaitMs: optionalInt('--status-wait-ms', values['status-wait-ms']),
    qrRotateMs: optionalInt('--qr-rotate-ms', values['qr-rotate-ms']),
    qrTimeoutMs: optionalInt('--qr-timeout-ms', values['qr-timeout-ms']),
    startingDelayMs: optionalInt('--starting-delay-ms', values['starting-delay-ms']),
    ackDelaysMs: parseAckDelays(values['ack-delays-ms']),
    globalWebhook: hookUrl ? parseHook(hookUrl, values, env) : undefined,
    dataDir: values['data-dir'] ?? (env.WAHA_LOCAL_STORE_BASE_DIR || undefined),
    restartSessions:
      values['no-restart-sessions'] === true || env.WAHA_WORKER_RESTART_SESSIONS === 'false'
        ? false
        : undefined,
  };
  for (const [name, value] of Object.entries(emulator)) {
    if (value === undefined) delete emulator[name as keyof typeof emulator];
  }
  return Object.freeze({
    workers: requiredInt('--workers', values.workers ?? '1', 1),
    basePort: requiredInt('--base-port', values['base-port'] ?? '3000', 0),
    apiKey: noKey ? null : key || undefined,
    quiet: values.quiet === true,
    help: values.help === true,
    emulator: Object.freeze(emulator),
  });
}

function parseHook(
  url: string,
  values: Record<string, string | boolean | undefined>,
  env: NodeJS.ProcessEnv,
): NonNullable<EmulatorOptions['globalWebhook']> {
  const str = (flag: string, envName: string) => {
    const value = values[flag] ?? env[envName];
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  const events = str('hook-events', 'WHATSAPP_HOOK_EVENTS') ?? '*';
  const policy = str('hook-retries-policy', 'WHATSAPP_HOOK_RETRIES_POLICY');
  const delay = str('hook-retries-delay-seconds', 'WHATSAPP_HOOK_RETRIES_DELAY_SECONDS');
  const attempts = str('hook-retries-attempts', 'WHATSAPP_HOOK_RETRIES_ATTEMPTS');
  const hook: NonNullable<EmulatorOptions['globalWebhook']> = {
    url,
    events: events
      .split(',')
      .map((event) => event.trim())
      .filter(Boolean),
  };
  const hmacKey = str('hook-hmac-key', 'WHATSAPP_HOOK_HMAC_KEY');
  if (hmacKey) hook.hmacKey = hmacKey;
  if (policy || delay || attempts) {
    hook.retries = {
      policy: oneOf('--hook-retries-policy', policy ?? 'constant', [
        'linear',
        'exponential',
        'constant',
      ]) as RetryPolicy,
      delaySeconds: delay === undefined ? 2 : requiredNumber('--hook-retries-delay-seconds', delay),
      attempts: attempts === undefined ? 15 : requiredInt('--hook-retries-attempts', attempts, 0),
    };
  }
  return hook;
}

function oneOf(flag: string, value: string, allowed: string[]): string {
  const lower = value.toLowerCase();
  if (!allowed.includes(lower)) throw new Error(`${flag} must be one of ${allowed.join(', ')}`);
  return lower;
}

function requiredNumber(flag: string, value: string): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || number < 0) {
    throw new Error(`${flag} must be a number >= 0, got '${value}'`);
  }
  return number;
}

function requiredInt(flag: string, value: string, min: number): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < min) {
    throw new Error(`${flag} must be an integer >= ${min}, got '${value}'`);
  }
  return number;
}

function optionalInt(flag: string, value: string | undefined): number | undefined {
  return value === undefined ? undefined : requiredInt(flag, value, 0);
}

function parseAckDelays(value: string | undefined): [number, number, number] | undefined {
  if (value === undefined) return undefined;
  const parts = value.split(',').map((part) => requiredInt('--ack-delays-ms', part.trim(), 0));
  if (parts.length !== 3) throw new Error('--ack-delays-ms takes three numbers: A,B,C');
  return parts as [number, number, number];
}
