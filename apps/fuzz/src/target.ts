import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  createTestDatabase,
  freePort,
  makeConnectedSender,
  type RunningProcess,
  startDeployedGateway,
  type TestDatabase,
  waitUntilReady,
} from '@herald/testing';
import { type RunningEmulator, startEmulator } from '@herald/waha-emulator';
import { sql } from 'kysely';
import type { Secrets } from './requests.ts';

/** The gateway under test: a real process on its own database, with a WAHA emulator as worker. */
export interface Target {
  url: string;
  secrets: Secrets;
  database: TestDatabase;
  gateway: RunningProcess;
  /** Resident memory of the gateway process, in bytes (Linux /proc). */
  rss(): number;
  /** Puts the seeded sender back (CONNECTED), in case a fuzzed admin request removed it. */
  reseed(): Promise<void>;
  /** Rows of the tables a request can add to. */
  rowCounts(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

const COUNTED = ['campaigns', 'messages', 'campaign_media', 'sessions', 'senders', 'workers'];

export async function startTarget(env: Record<string, string> = {}): Promise<Target> {
  const database = await createTestDatabase();
  const secrets: Secrets = {
    adminKey: randomBytes(24).toString('base64url'),
    hmacKey: randomBytes(24).toString('base64url'),
    sender: '21642108077',
  };
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // As the image runs it (bundle and Node flags): the memory bound is about what ships.
  const gateway = await startDeployedGateway({
    DATABASE_URL: database.url,
    PORT: String(port),
    HOST: '127.0.0.1',
    ADMIN_API_KEY: secrets.adminKey,
    WEBHOOK_HMAC_KEY: secrets.hmacKey,
    LOG_FILE: '',
    LOG_LEVEL: 'error',
    // Nothing here may wait long on the network: an unreachable worker or media host is a fast 4xx/5xx.
    WAHA_TIMEOUT_MS: '2000',
    SESSION_REFRESH_TIMEOUT_MS: '500',
    MEDIA_FETCH_TIMEOUT_MS: '1000',
    // The heap the gateway's working set must fit in: V8 otherwise grows it lazily, and RSS then
    // says more about the collector's mood than about what a request costs.
    NODE_OPTIONS: process.env.FUZZ_NODE_OPTIONS ?? '--max-old-space-size=128',
    ...(process.env.FUZZ_MALLOC_ARENA_MAX
      ? { MALLOC_ARENA_MAX: process.env.FUZZ_MALLOC_ARENA_MAX }
      : {}),
    ...env,
  });
  await waitUntilReady(gateway, 'the gateway', async () => {
    const res = await fetch(`${url}/health`).catch(() => null);
    return res?.status === 200;
  });
  let emulator: RunningEmulator | null = null;
  try {
    emulator = await startEmulator({ tier: 'PLUS', startingDelayMs: 0, statusWaitMs: 300 });
    const registered = await fetch(`${url}/api/admin/workers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-admin-token': secrets.adminKey },
      body: JSON.stringify({ url: emulator.url, api_key: emulator.apiKey }),
    });
    if (registered.status !== 201)
      throw new Error(`registering the emulator: ${registered.status}`);
    await makeConnectedSender(database.db, secrets.sender, { tier: 'PLUS' });
  } catch (error) {
    await gateway.kill();
    await emulator?.close();
    await database.drop();
    throw error;
  }
  const pid = gateway.child.pid as number;
  return {
    url,
    secrets,
    database,
    gateway,
    rss: () => {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
    },
    async reseed() {
      const session = await database.db
        .selectFrom('sessions')
        .select('status')
        .where('phone_number', '=', secrets.sender)
        .executeTakeFirst();
      if (session?.status === 'CONNECTED') return;
      await database.db.deleteFrom('sessions').where('phone_number', '=', secrets.sender).execute();
      await makeConnectedSender(database.db, secrets.sender, { tier: 'PLUS' });
    },
    async rowCounts() {
      const selects = [
        ...COUNTED.map((t) => `(SELECT count(*) FROM ${t})::int AS ${t}`),
        '(SELECT count(*) FROM pgboss.job)::int AS jobs',
      ];
      const { rows } = await sql<
        Record<string, number>
      >`SELECT ${sql.raw(selects.join(', '))}`.execute(database.db);
      return rows[0] ?? {};
    },
    async close() {
      await gateway.stop();
      await emulator?.close();
      await database.drop();
    },
  };
}
