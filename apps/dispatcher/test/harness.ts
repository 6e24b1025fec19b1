import type { Campaign, Database, Message, Worker } from '@herald/db';
import { SENDER_TURN_QUEUE } from '@herald/domain';
import { createLogger } from '@herald/logging';
import {
  createTestDatabase,
  linkEmulatorSession,
  makeConnectedSender,
  makeWorker,
  type RunningProcess,
  startTsProcess,
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
  TURN_SECONDS: '10',
  RETRY_BACKOFF_SECONDS: '0.05',
  RETRY_BACKOFF_MAX_SECONDS: '0.2',
};

/** One test file's world: its own database, a producer-side pg-boss, emulators and dispatchers. */
export interface Harness {
  database: TestDatabase;
  db: Kysely<Database>;
  boss: PgBoss;
  emulator(options?: Parameters<typeof startEmulator>[0]): Promise<RunningEmulator>;
  workerFor(emulator: RunningEmulator): Promise<Worker>;
  /** A sender whose session is CONNECTED in Herald and WORKING on the emulator. */
  connectSender(emulator: RunningEmulator, phone: string): Promise<void>;
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
    async connectSender(emulator, phone) {
      const worker = await harness.workerFor(emulator);
      await makeConnectedSender(db, phone, { worker });
      await linkEmulatorSession(emulator, emulator.tier === 'CORE' ? 'default' : phone, phone);
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
      const child = await startDispatcherProcess(database.url, dispatcherId, env);
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

export function findCampaign(db: Kysely<Database>, id: number): Promise<Campaign> {
  return db.selectFrom('campaigns').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

export function campaignMessages(db: Kysely<Database>, campaignId: number): Promise<Message[]> {
  return db
    .selectFrom('messages')
    .selectAll()
    .where('campaign_id', '=', campaignId)
    .orderBy('id')
    .execute();
}

/** Waits until the campaign has nothing PENDING or SENDING left and returns it. */
export function waitForCampaignDone(
  db: Kysely<Database>,
  id: number,
  timeoutMs = 30_000,
): Promise<Campaign> {
  return waitFor(
    async () => {
      const campaign = await findCampaign(db, id);
      return campaign.status.startsWith('COMPLETED') ? campaign : null;
    },
    { timeoutMs, intervalMs: 50, what: `campaign ${id} to complete` },
  );
}

/** The campaign's counters and the same counts taken from its message rows, to compare. */
export async function countersAndRows(db: Kysely<Database>, campaign: Campaign) {
  const rows = await campaignMessages(db, campaign.id);
  const count = (status: Message['status']) => rows.filter((r) => r.status === status).length;
  return {
    counters: {
      pending: campaign.pending_messages,
      sending: campaign.sending_messages,
      sent: campaign.sent_messages,
      failed: campaign.failed_messages,
      unknown: campaign.unknown_messages,
    },
    rows: {
      pending: count('PENDING'),
      sending: count('SENDING'),
      sent: count('SENT'),
      failed: count('FAILED'),
      unknown: count('UNKNOWN'),
    },
  };
}

/** Turns of this sender waiting in the queue (not the running ones). */
export function queuedTurns(boss: PgBoss, sender: string) {
  return boss.findJobs(SENDER_TURN_QUEUE, { key: sender, queued: true });
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

/** Recipient digits of a chat id. */
export const digitsOf = (chatId: string) => chatId.split('@')[0] ?? '';

/** `count` distinct recipient numbers starting at `base`. */
export function recipients(base: number, count: number): string[] {
  return Array.from({ length: count }, (_, i) => String(base + i));
}

/** A dispatcher in its own process, as deployed: `apps/dispatcher/src/main.ts` with this env. */
export async function startDispatcherProcess(
  databaseUrl: string,
  dispatcherId: string,
  env: Record<string, string> = {},
): Promise<RunningProcess> {
  const child = startTsProcess('apps/dispatcher/src/main.ts', {
    ...FAST_ENV,
    LOG_LEVEL: 'info',
    DATABASE_URL: databaseUrl,
    DISPATCHER_ID: dispatcherId,
    ...env,
  });
  const exitedEarly = new Promise<never>((_, reject) => {
    child.child.once('exit', (code, signal) =>
      reject(
        new Error(`dispatcher ${dispatcherId} exited (${code ?? signal}):\n${child.output()}`),
      ),
    );
  });
  try {
    await Promise.race([
      exitedEarly,
      waitFor(() => child.output().includes('dispatcher started'), {
        timeoutMs: 30_000,
        intervalMs: 50,
        what: `dispatcher ${dispatcherId} to start`,
      }),
    ]);
  } catch (error) {
    await child.kill();
    throw error;
  }
  exitedEarly.catch(() => {});
  return child;
}
