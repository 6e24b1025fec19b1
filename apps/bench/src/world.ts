import { randomBytes } from 'node:crypto';
import { loadConfig, startGateway } from '@herald/api';
import type { Database, Worker } from '@herald/db';
import { createLogger } from '@herald/logging';
import {
  linkEmulatorSession,
  makeConnectedSender,
  makeWorker,
  setDelaySettings,
  waitFor,
} from '@herald/testing';
import { type RunningEmulator, startEmulator } from '@herald/waha-emulator';
import { type Kysely, sql } from 'kysely';
import { campaignPayload } from './campaigns.ts';
import { type DispatcherProcess, startDispatcherProcess, stopDispatcher } from './dispatchers.ts';
import { BENCH_ADMIN_KEY } from './gateway-process.ts';
import { postJson } from './http.ts';
import type { Cleanup } from './lifecycle.ts';
import { freshDatabase } from './resources.ts';

export interface EmulatedWorker {
  emulator: RunningEmulator;
  worker: Worker;
}

/** Everything a dispatch scenario needs, on its own fresh database. */
export interface BenchWorld {
  db: Kysely<Database>;
  databaseUrl: string;
  /** The gateway's base URL, for the endpoints a scenario calls itself. */
  gatewayUrl: string;
  /** An emulated WAHA worker, registered in Herald as a healthy worker of its tier. */
  emulatedWorker(tier: 'CORE' | 'PLUS'): Promise<EmulatedWorker>;
  /** A sender CONNECTED in Herald and WORKING on the emulator. */
  connectSender(target: EmulatedWorker, phone: string): Promise<void>;
  dispatcher(id: string, env?: Record<string, string>): Promise<DispatcherProcess>;
  /** POST /api/send through the real gateway; returns the campaign id. */
  submit(sender: string, recipients: readonly string[]): Promise<number>;
  /** Waits until no campaign has anything PENDING or SENDING. */
  waitForCampaignsDone(timeoutMs: number): Promise<void>;
}

export interface Delays {
  messageDelay: number;
  senderSwitchDelay: number;
}

/**
 * A fresh test database, the real gateway in this process (idle once campaigns are in, so it
 * costs nothing while dispatchers run) and emulators in this process; dispatchers are child
 * processes. Everything is released by `cleanup`.
 */
export async function createWorld(cleanup: Cleanup, delays: Delays): Promise<BenchWorld> {
  const database = await freshDatabase(cleanup);
  const { db } = database;
  await setDelaySettings(db, delays);

  const logger = createLogger({ service: 'bench', console: false, file: '' });
  // Without transports winston warns about every line; silent keeps it quiet.
  logger.silent = true;
  const gateway = await startGateway(
    loadConfig({
      DATABASE_URL: database.url,
      PORT: '0',
      HOST: '127.0.0.1',
      ADMIN_API_KEY: BENCH_ADMIN_KEY,
      DEFAULT_COUNTRY: 'TN',
      // The bench is one client address making many requests on purpose.
      RATE_LIMIT_PER_MINUTE: '0',
      SENDER_RATE_LIMIT_PER_MINUTE: '0',
      SESSION_CREATE_LIMIT_PER_HOUR: '0',
      MESSAGE_DELAY: String(delays.messageDelay),
      SENDER_SWITCH_DELAY: String(delays.senderSwitchDelay),
      LOG_FILE: '',
    }),
    logger,
  );
  cleanup.defer('close the gateway', () => gateway.close());

  return {
    db,
    databaseUrl: database.url,
    gatewayUrl: gateway.url,
    async emulatedWorker(tier) {
      const emulator = await startEmulator({
        tier,
        apiKey: `bench-${randomBytes(6).toString('hex')}`,
        startingDelayMs: 0,
        // Only status-gated calls on a session that is not WORKING wait; none should here.
        statusWaitMs: 200,
        // Acks are webhooks nobody listens to here; far off, they never run during a scenario.
        ackDelaysMs: [3_600_000, 3_600_000, 3_600_000],
      });
      cleanup.defer('close an emulator', () => emulator.close());
      const worker = await makeWorker(db, {
        url: emulator.url,
        api_key: emulator.apiKey ?? '',
        tier,
      });
      return { emulator, worker };
    },
    async connectSender({ emulator, worker }, phone) {
      await makeConnectedSender(db, phone, { worker });
      await linkEmulatorSession(emulator, emulator.tier === 'CORE' ? 'default' : phone, phone);
    },
    async dispatcher(id, env = {}) {
      const dispatcher = await startDispatcherProcess(database.url, id, env);
      cleanup.defer(`stop dispatcher ${id}`, () => stopDispatcher(dispatcher));
      return dispatcher;
    },
    async submit(sender, recipients) {
      const answer = await postJson(`${gateway.url}/api/send`, campaignPayload(sender, recipients));
      const body = answer.body as { id?: number; total_messages?: number } | undefined;
      if (answer.status !== 201 || body?.total_messages !== recipients.length) {
        throw new Error(`POST /api/send answered ${answer.status}: ${JSON.stringify(body)}`);
      }
      return body.id as number;
    },
    async waitForCampaignsDone(timeoutMs) {
      await waitFor(
        async () => {
          const { rows } = await sql<{ open: number }>`
            SELECT count(*)::int AS open FROM campaigns
            WHERE pending_messages + sending_messages > 0`.execute(db);
          return rows[0]?.open === 0;
        },
        { timeoutMs, intervalMs: 100, what: 'every campaign to finish' },
      );
    },
  };
}
