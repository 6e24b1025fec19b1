import { z } from 'zod';

/** The environment as a process receives it. */
export type Env = Record<string, string | undefined>;

/**
 * A boolean written as text (an environment variable, a query parameter): `true`/`1` or
 * `false`/`0`, nothing else. `z.coerce.boolean()` would turn "false" into true.
 */
export const strictBoolean = z
  .enum(['true', 'false', '1', '0'])
  .transform((v) => v === 'true' || v === '1');

/** A Postgres connection string. */
export const postgresUrl = z.url({ protocol: /^postgres(ql)?$/ });

export const LOG_LEVELS = ['error', 'warn', 'info', 'http', 'verbose', 'debug'] as const;

/**
 * How every Herald process logs. LOG_FILE unset: the process's own default file (each process
 * writes its own); empty: no file (containers log to stdout).
 */
export const loggingEnv = {
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  LOG_FILE: z.string().optional(),
};

/** Prometheus metrics of every process. */
export const metricsEnv = {
  /** A `sender` label on the message counter: one series per sender, so only on request. */
  METRICS_PER_SENDER: strictBoolean.default(false),
};

/** Variables whose empty value means something ("no log file") rather than "not set". */
const EMPTY_IS_A_VALUE = new Set(['LOG_FILE']);

type CamelCase<S extends string> = S extends `${infer Head}_${infer Tail}`
  ? `${Lowercase<Head>}${Capitalize<CamelCase<Tail>>}`
  : Lowercase<S>;

/** `{ DATABASE_URL: string }` → `{ databaseUrl: string }`. */
export type CamelCased<T> = { [K in keyof T as K extends string ? CamelCase<K> : K]: T[K] };

const camelCase = (name: string) =>
  name.toLowerCase().replace(/_([a-z0-9])/g, (_, first: string) => first.toUpperCase());

/**
 * Parses a process's environment once, at startup, with a zod schema whose keys are the variables
 * as they are set (SCREAMING_SNAKE). An empty variable (`FOO=` in a compose file) is unset, so its
 * default applies. Returns the values under camelCase names, frozen; throws one error that lists
 * every problem.
 */
export function loadEnv<T extends Record<string, unknown>>(
  schema: z.ZodType<T>,
  env: Env,
): Readonly<CamelCased<T>> {
  const present = Object.fromEntries(
    Object.entries(env).filter(([name, value]) => value !== '' || EMPTY_IS_A_VALUE.has(name)),
  );
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const values = Object.fromEntries(
    Object.entries(parsed.data).map(([name, value]) => [camelCase(name), value]),
  );
  return Object.freeze(values) as Readonly<CamelCased<T>>;
}
