import { loadConfig as loadApiConfig, startGateway } from '@herald/api';
import type { Env } from '@herald/config';
import { loadConfig as loadDispatcherConfig, startDispatcher } from '@herald/dispatcher';
import type { Logger } from '@herald/logging';
import { type RunningEmulator, startEmulatorFleet } from '@herald/waha-emulator';
import { request } from 'undici';
import { z } from 'zod';
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
      DATABASE_URL: databaseUrl,
      ADMIN_API_KEY: adminApiKey,
    });
    const gateway = await startGateway(apiConfig, logger.child({ service: 'api' }));
    stops.unshift(gateway.close);
    const admin = adminClient(gateway.url, adminApiKey);

    let emulators: RunningEmulator[] = [];
    const basePort = config.emulatorBasePort;
    if (await wantsEmulator(config.heraldEmulator, admin, basePort)) {
      emulators = await startEmulatorFleet({
        workers: EMULATOR_WORKERS,
        basePort,
        tier: 'CORE',
        apiKey: secrets.emulatorApiKey,
        log: (line) => logger.debug(line, { service: 'waha-emulator' }),
      });
      stops.splice(1, 0, async () => {
        await Promise.all(emulators.map((e) => e.close()));
      });
      await registerEmulators(admin, emulators, secrets.emulatorApiKey);
    }

    const dispatcherConfig = loadDispatcherConfig({ ...env, DATABASE_URL: databaseUrl });
    const dispatcher = await startDispatcher(dispatcherConfig, {
      logger: logger.child({ service: 'dispatcher' }),
    });
    stops.unshift(dispatcher.stop);

    return {
      banner: describe(gateway.url, adminApiKey, emulators, databaseWhere),
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** What `npm start` reads of GET /api/admin/workers. */
const WorkerUrls = z.array(z.looseObject({ url: z.string() }));

type AdminClient = (method: 'GET' | 'POST', path: string, body?: unknown) => Promise<unknown>;

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

/** `auto`: run the emulators unless a worker other than them is registered. */
async function wantsEmulator(
  mode: LocalStackConfig['heraldEmulator'],
  admin: AdminClient,
  basePort: number,
): Promise<boolean> {
  if (mode === 'on') return true;
  if (mode === 'off') return false;
  const ours = new Set(
    Array.from({ length: EMULATOR_WORKERS }, (_, i) => `http://127.0.0.1:${basePort + i}`),
  );
  const workers = WorkerUrls.parse(await admin('GET', '/api/admin/workers'));
  return workers.every((w) => ours.has(w.url));
}

async function registerEmulators(admin: AdminClient, emulators: RunningEmulator[], apiKey: string) {
  const known = new Set(
    WorkerUrls.parse(await admin('GET', '/api/admin/workers')).map((w) => w.url),
  );
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

function describe(
  url: string,
  adminKey: string,
  emulators: RunningEmulator[],
  database: string,
): string {
  const lines = [
    '',
    'Herald is running.',
    `  API            ${url}`,
    `  Swagger UI     ${url}/docs`,
    `  OpenAPI        ${url}/openapi.json`,
    `  Admin key      ${adminKey}   (header X-Admin-API-Key or X-Admin-Token)`,
    `  Database       ${database}`,
  ];
  if (emulators.length) {
    lines.push(
      `  WAHA workers   ${emulators.length} emulated Core workers (act as the phone through /_emulator):`,
    );
    for (const e of emulators) lines.push(`                 ${e.url}`);
  }
  lines.push('', 'Walkthrough: README.md, "Try it with curl". Stop with Ctrl+C.', '');
  return lines.join('\n');
}
