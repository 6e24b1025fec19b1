import { type ChildProcess, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { type PostgresPlacement, placePostgres } from './postgres-placement.ts';

export interface EmbeddedPostgresHandle {
  url: string;
  /** The data directory as Postgres sees it (outside the checkout for a root-only checkout). */
  dataDir: string;
  /** Stops the server (fast shutdown) and waits for it to exit. */
  stop(): Promise<void>;
}

/** Names the process that owns a running cluster, so a later start can tell an orphan. */
const OWNER_FILE = 'herald-owner.pid';

/**
 * Runs a Postgres cluster in `<dataDir>/postgres`, listening on loopback only. The server runs in
 * its own process group, so a Ctrl+C in the terminal reaches Herald, which stops Postgres last,
 * rather than Postgres at once. A server left behind by a killed earlier run is stopped first;
 * one owned by a live process is refused, never shared.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  password: string;
  database: string;
  log: (line: string) => void;
}): Promise<EmbeddedPostgresHandle> {
  const place = await placePostgres(join(options.dataDir, 'postgres'));
  await stopOrphan(place, options.log);
  if (!existsSync(join(place.dataDir, 'PG_VERSION'))) {
    options.log(`initialising the embedded Postgres cluster in ${place.dataDir} (first run)`);
    await initialise(place, options.password);
  }
  const server = await launch(place, options.port);
  writeFileSync(join(place.dataDir, OWNER_FILE), `${process.pid}\n`);
  const stop = async () => {
    process.off('exit', killOnExit);
    if (server.exitCode === null && server.signalCode === null) {
      const exited = new Promise((done) => server.once('exit', done));
      server.kill('SIGINT');
      await exited;
    }
    rmSync(join(place.dataDir, OWNER_FILE), { force: true });
  };
  // Whatever way this process ends, the server does not outlive it.
  const killOnExit = () => server.kill('SIGINT');
  process.on('exit', killOnExit);
  const url = `postgres://postgres:${encodeURIComponent(options.password)}@127.0.0.1:${options.port}`;
  try {
    await ensureDatabase(url, options.database);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `${url}/${options.database}`, dataDir: place.dataDir, stop };
}

async function initialise(place: PostgresPlacement, password: string): Promise<void> {
  mkdirSync(place.dataDir, { recursive: true, mode: 0o700 });
  const pwfile = join(tmpdir(), `herald-pg-${process.pid}-${Date.now()}`);
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (place.runAs) {
    chownSync(place.dataDir, place.runAs.uid, place.runAs.gid);
    chownSync(pwfile, place.runAs.uid, place.runAs.gid);
  }
  try {
    const args = [`--pgdata=${place.dataDir}`, '--auth=scram-sha-256', '--username=postgres'];
    args.push(`--pwfile=${pwfile}`, '--encoding=UTF8', '--no-locale', '--no-sync');
    const child = spawnAs(place, 'initdb', args);
    let output = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const code = await new Promise<number | null>((done, fail) => {
      child.on('error', fail);
      child.on('exit', done);
    });
    if (code !== 0) {
      rmSync(place.dataDir, { recursive: true, force: true });
      throw new Error(`initdb failed: ${lastLine(output)}`);
    }
  } finally {
    rmSync(pwfile, { force: true });
  }
}

/** Starts the server and resolves once it accepts connections; rejects with its last words. */
async function launch(place: PostgresPlacement, port: number): Promise<ChildProcess> {
  const child = spawnAs(place, 'postgres', [
    '-D',
    place.dataDir,
    '-p',
    String(port),
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'unix_socket_directories=',
  ]);
  let output = '';
  await new Promise<void>((ready, fail) => {
    child.on('error', fail);
    child.on('exit', () => {
      const reason = lastLine(output);
      fail(
        new Error(
          /address already in use/i.test(output)
            ? `port ${port} is already in use: stop what uses it or set EMBEDDED_POSTGRES_PORT`
            : `the embedded Postgres stopped at start: ${reason}`,
        ),
      );
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('ready to accept connections')) ready();
    });
  });
  child.removeAllListeners('exit');
  child.stderr?.resume();
  return child;
}

function spawnAs(place: PostgresPlacement, binary: string, args: string[]): ChildProcess {
  return spawn(join(place.binDir, binary), args, {
    ...place.runAs,
    // Its own process group: a terminal's Ctrl+C is Herald's to handle, not the database's.
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, LC_ALL: 'C' },
  });
}

/** Stops a server of this cluster whose owner is gone; refuses one whose owner still runs. */
async function stopOrphan(place: PostgresPlacement, log: (line: string) => void): Promise<void> {
  const serverPid = readPid(join(place.dataDir, 'postmaster.pid'));
  if (!serverPid || !alive(serverPid)) return;
  const ownerPid = readPid(join(place.dataDir, OWNER_FILE));
  if (ownerPid && ownerPid !== process.pid && alive(ownerPid)) {
    throw new Error(
      `the database in ${place.dataDir} is in use by process ${ownerPid} (another npm start?): stop it first`,
    );
  }
  log(`stopping the Postgres server (pid ${serverPid}) left running by an earlier run`);
  process.kill(serverPid, 'SIGINT');
  for (let waited = 0; alive(serverPid); waited += 100) {
    if (waited > 30_000) throw new Error(`Postgres (pid ${serverPid}) did not stop: kill it`);
    await sleep(100);
  }
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The line that says why: the last FATAL or ERROR, else the last line, without its timestamp. */
function lastLine(output: string): string {
  const lines = output.trim().split('\n').filter(Boolean);
  const line = lines.findLast((l) => /FATAL|ERROR|PANIC/.test(l)) ?? lines.at(-1) ?? 'no output';
  return line.replace(/^[\d-]+ [\d:.]+ \w+ \[\d+\] /, '').trim();
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
