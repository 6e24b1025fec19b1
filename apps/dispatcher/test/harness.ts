import type { Database, Worker } from '@herald/db';
import { createLogger } from '@herald/logging';
import {
  createTestDatabase,
  linkEmulatorSession,
  makeConnectedSender,
  makeWorker,
  type RunningProcess,
  startDispatcherProcess,
  type TestDatabase,
  waitFor,
} from '@herald/testing';
import { type RunningEmulator, startEmulator } from '@herald/waha-emulator';
import type { Kysely } from 'kysely';
import { PgBoss } from 'pg-boss';
import { type DispatcherConfig, loadConfig } from '../src/config.ts';
import { type RunningDispatcher, startDispatcher } from '../src/dispatcher.ts';

/** Quiet unless HERALD_TEST_LOGS=debug (or another level) asks for the dispatchers' logs. */
export const testLogger = createLogger({
  service: 'dispatcher-test',
  level: process.env.HERALD_TEST_LOGS ?? 'error',
  file: '',
});

/** Settings that make recovery and retries take milliseconds rather than minutes. */
export const FAST_ENV: Record<string, string> = {
  LOG_FILE: '',
  LOG_LEVEL: process.env.HERALD_TEST_LOGS ?? 'error',
  POLL_INTERVAL_MS: '50',
  SWEEP_SECONDS: '0.5',
  LEASE_SECONDS: '5',
  SEND_TIMEOUT_MS: '3000',
  // The emulators below answer a send to a session that is not WORKING after 300 ms.
  WAHA_STATUS_WAIT_MS: '300',
  TURN_SECONDS: '10',
  RETRY_BACKOFF_SECONDS: '0.05',
  RETRY_BACKOFF_MAX_SECONDS: '0.2',
  UNKNOWN_HOLD_SECONDS: '1',
  UNKNOWN_SETTLE_SECONDS: '1',
  UNKNOWN_RESOLVE_INTERVAL_SECONDS: '0.5',
  // A worker whose breaker trips (resets and timeouts drills) is probed again a second later.
  WORKER_BREAKER_COOLDOWN_SECONDS: '1',
};

/** One test file's world: its own database, a producer-side pg-boss, emulators and dispatchers. */
export interface Harness {
  database: TestDatabase;
  db: Kysely<Database>;
  boss: PgBoss;
  emulator(options?: Parameters<typeof startEmulator>[0]): Promise<RunningEmulator>;
  workerFor(emulator: RunningEmulator): Promise<Worker>;
  /**
   * A sender whose session is CONNECTED in Herald and WORKING on the emulator (created with
   * `config`, e.g. NOWEB's store, when given).
   */
  connectSender(
    emulator: RunningEmulator,
    phone: string,
    config?: Record<string, unknown>,
  ): Promise<void>;
  config(env?: Record<string, string>): Readonly<DispatcherConfig>;
  dispatcher(env?: Record<string, string>): Promise<RunningDispatcher>;
  /** A dispatcher process (killed, if still running, by `close`). */
  process(dispatcherId: string, env?: Record<string, string>): Promise<RunningProcess>;
  close(): Promise<void>;
}

export async function createHarness(): Promise<Harness> {
  const database = await createTestDatabase();
  const { db } = database;
  const boss = new PgBoss({
    connectionString: database.url,
    supervise: false,
    schedule: false,
    max: 2,
  });
  boss.on('error', (error) => testLogger.error('test pg-boss error', { error: String(error) }));
  await boss.start();
  const emulators: RunningEmulator[] = [];
  const dispatchers: RunningDispatcher[] = [];
  const workers = new Map<RunningEmulator, Worker>();
  const processes: RunningProcess[] = [];

  const harness: Harness = {
    database,
    db,
    boss,
    async emulator(options = {}) {
      const emulator = await startEmulator({
        apiKey: `emulator-key-${emulators.length + 1}`,
        startingDelayMs: 0,
        statusWaitMs: 300,
        ...options,
      });
      emulators.push(emulator);
      return emulator;
    },
    async workerFor(emulator) {
      let worker = workers.get(emulator);
      if (!worker) {
        worker = await makeWorker(db, {
          url: emulator.url,
          api_key: emulator.apiKey ?? '',
          tier: emulator.tier,
        });
        workers.set(emulator, worker);
      }
      return worker;
    },
    async connectSender(emulator, phone, config) {
      const worker = await harness.workerFor(emulator);
      await makeConnectedSender(db, phone, { worker });
      await linkEmulatorSession(
        emulator,
        emulator.tier === 'CORE' ? 'default' : phone,
        phone,
        // Without a config the session keeps no message store, so WAHA cannot tell what an
        // UNKNOWN send became and it stays UNKNOWN; pass MESSAGE_STORE_CONFIG to let it resolve.
        config,
      );
    },
    config(env = {}) {
      return loadConfig({ DATABASE_URL: database.url, ...FAST_ENV, ...env });
    },
    async dispatcher(env = {}) {
      const dispatcher = await startDispatcher(harness.config(env), { logger: testLogger });
      dispatchers.push(dispatcher);
      return dispatcher;
    },
    async process(dispatcherId, env = {}) {
      const child = await startFastDispatcherProcess(database.url, dispatcherId, env);
      processes.push(child);
      return child;
    },
    async close() {
      await Promise.allSettled(processes.map((p) => p.kill()));
      await Promise.allSettled(dispatchers.map((d) => d.stop()));
      await Promise.allSettled(emulators.map((e) => e.close()));
      await boss.stop({ graceful: false, close: true });
      await database.drop();
    },
  };
  return harness;
}

/** A dispatcher process with the harness's fast settings. */
export function startFastDispatcherProcess(
  databaseUrl: string,
  dispatcherId: string,
  env: Record<string, string> = {},
): Promise<RunningProcess> {
  // At info: the test reads its output (that it started, what it did when a test fails).
  return startDispatcherProcess(databaseUrl, dispatcherId, {
    ...FAST_ENV,
    LOG_LEVEL: 'info',
    ...env,
  });
}

/** Waits until no turn holds the sender's lease. */
export async function waitForLeaseReleased(db: Kysely<Database>, sender: string): Promise<void> {
  await waitFor(
    async () => {
      const row = await db
        .selectFrom('senders')
        .select('lease_owner')
        .where('phone_number', '=', sender)
        .executeTakeFirstOrThrow();
      return row.lease_owner === null;
    },
    { what: `the lease of ${sender} to be released` },
  );
}
