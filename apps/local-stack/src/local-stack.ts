import { join } from 'node:path';
import { loadConfig as loadApiConfig, startGateway } from '@herald/api';
import type { Env } from '@herald/config';
import { loadConfig as loadDispatcherConfig, startDispatcher } from '@herald/dispatcher';
import type { Logger } from '@herald/logging';
import { type RunningEmulator, startEmulatorFleet } from '@herald/waha-emulator';
import { request } from 'undici';
import { z } from 'zod';
import { describe, type WorkerLine } from './banner.ts';
import type { LocalStackConfig } from './config.ts';
import { startEmbeddedPostgres } from './embedded-postgres.ts';
import { loadLocalSecrets } from './local-secrets.ts';

const EMULATOR_WORKERS = 3;

export interface LocalStack {
  banner: string;
  stop(): Promise<void>;
}

/**
 * Starts everything Herald needs on one machine: the database (embedded unless DATABASE_URL is
 * set), the gateway, one dispatcher, and, unless real workers are registered, three emulated
 * WAHA Core workers registered through the admin API like any other worker. `env` is what the
 * gateway and the dispatcher parse for their own settings.
 */
export async function startLocalStack(
  config: LocalStackConfig,
  env: Env,
  logger: Logger,
): Promise<LocalStack> {
  const dataDir = config.heraldDataDir;
  const secrets = loadLocalSecrets(dataDir);
  // Stopped in order: dispatcher, gateway, emulators, database.
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    // Each part stops even if another failed (Ctrl+C also reaches the embedded Postgres).
    for (const stop of stops) {
      await stop().catch((error: unknown) => logger.warn('stop failed', { error: String(error) }));
    }
  };

  try {
    let databaseUrl = config.databaseUrl;
    let databaseWhere = 'DATABASE_URL';
    if (!databaseUrl) {
      const postgres = await startEmbeddedPostgres({
        dataDir,
        port: config.embeddedPostgresPort,
        password: secrets.postgresPassword,
        database: 'herald',
        log: (line) => logger.info(line),
      });
      databaseUrl = postgres.url;
      databaseWhere = `embedded Postgres in ${postgres.dataDir}`;
      stops.unshift(postgres.stop);
    }

    const adminApiKey = config.adminApiKey ?? secrets.adminApiKey;
    const apiConfig = loadApiConfig({
      ...env,
      // A demo on a laptop or a VPS: the admin API stays on this machine unless HOST says so.
      HOST: env.HOST || '127.0.0.1',
      DATABASE_URL: databaseUrl,
      ADMIN_API_KEY: adminApiKey,
    });
    const gateway = await startGateway(apiConfig, logger.child({ service: 'api' }));
    stops.unshift(gateway.close);
    const admin = adminClient(gateway.url, adminApiKey);

    let emulators: RunningEmulator[] = [];
    const basePort = config.emulatorBasePort;
    const choice = await chooseEmulator(config.heraldEmulator, admin, basePort);
    if (choice.start) {
      emulators = await startEmulatorFleet({
        workers: EMULATOR_WORKERS,
        basePort,
        tier: 'CORE',
        apiKey: secrets.emulatorApiKey,
        // Paired sessions come back WORKING after a restart, as with WAHA's persistent store.
        dataDir: join(dataDir, 'emulator'),
        log: (line) => logger.debug(line, { service: 'waha-emulator' }),
      });
      stops.splice(1, 0, async () => {
        await Promise.all(emulators.map((e) => e.close()));
      });
      await registerEmulators(admin, emulators, secrets.emulatorApiKey);
      // Emulated numbers cannot be banned: the walkthrough need not wait out real-world caps.
      await admin('PUT', '/api/admin/sender-policy', DEMO_SENDER_POLICY);
    }

    const dispatcherConfig = loadDispatcherConfig({ ...env, DATABASE_URL: databaseUrl });
    const dispatcher = await startDispatcher(dispatcherConfig, {
      logger: logger.child({ service: 'dispatcher' }),
      // One process, one /metrics: the gateway's.
      metrics: gateway.metrics,
    });
    stops.unshift(dispatcher.stop);

    return {
      banner: describe({
        url: gateway.url,
        adminKey: adminApiKey,
        emulators,
        why: choice.why,
        workers: await listWorkers(admin),
        database: databaseWhere,
        dataDir,
      }),
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/**
 * The sender policy while `npm start` runs emulated workers: a little jitter and the health rule,
 * no caps, warm-up or burst pauses (a fresh install's conservative defaults would hold the demo
 * for minutes). With real workers the stored policy stays as it is.
 */
export const DEMO_SENDER_POLICY = {
  delay_jitter_seconds: 1,
  health: { max_consecutive_failures: 5, max_not_on_whatsapp_ratio: 0.3, window: 50 },
};

/** What `npm start` reads of GET /api/admin/workers. */
const Workers = z.array(z.looseObject({ url: z.string(), name: z.string(), healthy: z.boolean() }));

type AdminClient = (
  method: 'GET' | 'POST' | 'PUT',
  path: string,
  body?: unknown,
) => Promise<unknown>;

function adminClient(baseUrl: string, key: string): AdminClient {
  return async (method, path, body) => {
    const res = await request(`${baseUrl}${path}`, {
      method,
      headers: { 'x-admin-api-key': key, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.body.json();
    if (res.statusCode >= 400)
      throw new Error(`${method} ${path} → ${res.statusCode} ${JSON.stringify(json)}`);
    return json;
  };
}

async function listWorkers(admin: AdminClient): Promise<WorkerLine[]> {
  return Workers.parse(await admin('GET', '/api/admin/workers'));
}

/**
 * Whether to run the emulated workers, and why (the banner says it). `auto`: yes while any of
 * them is registered or no worker is: a real worker registered beside them changes nothing.
 */
async function chooseEmulator(
  mode: LocalStackConfig['heraldEmulator'],
  admin: AdminClient,
  basePort: number,
): Promise<{ start: boolean; why: string }> {
  if (mode === 'on') return { start: true, why: 'HERALD_EMULATOR=on' };
  if (mode === 'off') return { start: false, why: 'HERALD_EMULATOR=off' };
  const ours = new Set(emulatorUrls(basePort));
  const workers = await listWorkers(admin);
  if (workers.length === 0) return { start: true, why: 'no worker is registered yet' };
  if (workers.some((w) => ours.has(w.url))) {
    return { start: true, why: 'they are registered' };
  }
  return {
    start: false,
    why: 'only other workers are registered (HERALD_EMULATOR=on starts them anyway)',
  };
}

function emulatorUrls(basePort: number): string[] {
  return Array.from({ length: EMULATOR_WORKERS }, (_, i) => `http://127.0.0.1:${basePort + i}`);
}

async function registerEmulators(admin: AdminClient, emulators: RunningEmulator[], apiKey: string) {
  const known = new Set((await listWorkers(admin)).map((w) => w.url));
  for (const [index, emulator] of emulators.entries()) {
    if (known.has(emulator.url)) continue;
    await admin('POST', '/api/admin/workers', {
      name: `emulated-waha-${index + 1}`,
      url: emulator.url,
      api_key: apiKey,
      capacity: 1,
    });
  }
}
