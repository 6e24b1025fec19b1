import { createDb, createPool, type Database } from '@herald/db';
import { createLogger, type Logger } from '@herald/logging';
import { createTestDatabase, type TestDatabase, waitFor } from '@herald/testing';
import type { Kysely } from 'kysely';
import { PgBoss } from 'pg-boss';
import { loadConfig } from '../../src/config.ts';
import { startGateway } from '../../src/gateway.ts';

export const TEST_ADMIN_KEY = 'test-admin-key-0123456789';

export interface TestGateway {
  url: string;
  /** This test file's own database (a separate pool from the gateway's). */
  db: Kysely<Database>;
  /** A pg-boss of the test's own on that database, to look at the queued turns. */
  boss: PgBoss;
  databaseUrl: string;
  adminHeaders: Record<string, string>;
  close(): Promise<void>;
}

/**
 * The real gateway over a fresh database, with a quiet logger unless one is given. `env` adds or
 * overrides configuration (e.g. MAX_RECIPIENTS); `now` injects a clock. WAHA emulators deliver
 * their webhooks to the gateway itself, at the address it got.
 */
export async function startTestGateway(
  env: Record<string, string> = {},
  options: { now?: () => Date; logger?: Logger } = {},
): Promise<TestGateway> {
  const t: TestDatabase = await createTestDatabase();
  // Port 0: the gateway listens first, then tells WAHA its address (PUBLIC_URL unset).
  const config = loadConfig({
    DATABASE_URL: t.url,
    PORT: '0',
    HOST: '127.0.0.1',
    ADMIN_API_KEY: TEST_ADMIN_KEY,
    LOG_FILE: '',
    DEFAULT_COUNTRY: 'TN',
    // Tests make many requests from one address; the files about limits set their own.
    RATE_LIMIT_PER_MINUTE: '0',
    SENDER_RATE_LIMIT_PER_MINUTE: '0',
    SESSION_CREATE_LIMIT_PER_HOUR: '0',
    ...env,
  });
  let logger = options.logger;
  if (!logger) {
    logger = createLogger({ service: 'test', console: false, file: '' });
    // No transports at all: without `silent`, winston warns about every line on stderr.
    logger.silent = true;
  }
  const gateway = await startGateway(config, logger, options.now ? { now: options.now } : {});
  // The test's own pool rather than t.db, so that it can carry an error listener: see close().
  const pool = createPool({ connectionString: t.url, max: 4, applicationName: 'herald-test' });
  pool.on('error', () => {});
  const db = createDb({ pool });
  const boss = new PgBoss({ connectionString: t.url, supervise: false, schedule: false, max: 1 });
  await boss.start();
  return {
    url: gateway.url,
    db,
    boss,
    databaseUrl: t.url,
    adminHeaders: { 'X-Admin-Token': TEST_ADMIN_KEY },
    async close() {
      await gateway.close();
      await boss.stop({ graceful: false, close: true });
      await db.destroy();
      await waitForNoBackends(t.url);
      await t.drop();
    },
  };
}

/**
 * pg's Pool.end() resolves before its sockets have closed. If DROP DATABASE … WITH (FORCE) then
 * kills a backend that is still saying goodbye, its client emits an error nobody listens to and
 * the test process crashes. So wait, from another database, until this one has no backends left.
 */
async function waitForNoBackends(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = url.pathname.slice(1);
  url.pathname = '/postgres';
  const admin = createPool({ connectionString: url.toString(), max: 1 });
  try {
    await waitFor(
      async () => {
        const { rows } = await admin.query(
          'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1',
          [name],
        );
        return rows[0]?.n === 0;
      },
      { timeoutMs: 10_000, what: `the last connection to ${name} to close` },
    );
  } finally {
    await admin.end();
  }
}
