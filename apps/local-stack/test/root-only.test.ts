import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, existsSync, lstatSync, mkdtempSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort, freePortRange, PROCESS_START_MS, waitFor } from '@herald/testing';

// `npm start` as root from a checkout no other user can enter (a clone in /root): the embedded
// Postgres runs as `postgres`, so its binaries and data must live where that user can reach them.
// The checkout is copied (node_modules hard-linked) into a mode-700 directory and started there
// with the real npm; a terminal's Ctrl+C (SIGINT to the process group) stops it without a
// warning and leaves no Postgres behind.

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const isRoot = process.getuid?.() === 0;
const hasNpm = (() => {
  try {
    execFileSync('npm', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

function alive(pid: number): boolean {
  try {
    return process.kill(pid, 0);
  } catch {
    return false;
  }
}

const cleanup: string[] = [];
after(() => {
  for (const dir of cleanup) rmSync(dir, { recursive: true, force: true });
});

/** The checkout's files (tracked and new) copied, its node_modules hard-linked, into `target`. */
function copyCheckout(target: string): void {
  const sh = (script: string) => execFileSync('sh', ['-c', script], { cwd: REPO, stdio: 'pipe' });
  sh(`git ls-files -co --exclude-standard -z | tar --null -cf - -T - | tar -xf - -C '${target}'`);
  sh(
    `for nm in node_modules apps/*/node_modules packages/*/node_modules; do mkdir -p "${target}/$(dirname "$nm")"; cp -al "$nm" "${target}/$nm"; done`,
  );
  // The toolchain (Node 24, pnpm) stays where it is: root runs it, not postgres.
  if (existsSync(join(REPO, '.tools'))) {
    sh(`ln -s "$(readlink -f .tools)" '${target}/.tools'`);
  }
}

test('npm start as root from a root-only directory reaches "running" and stops cleanly', {
  skip: !isRoot ? 'needs root' : !hasNpm ? 'needs npm' : false,
  timeout: 240_000,
}, async () => {
  const home = mkdtempSync(join(tmpdir(), 'herald-rootonly-'));
  cleanup.push(home);
  chmodSync(home, 0o700);
  const postgresHome = mkdtempSync(join(tmpdir(), 'herald-pghome-'));
  cleanup.push(postgresHome);
  chmodSync(postgresHome, 0o755);
  const checkout = join(home, 'herald');
  execFileSync('mkdir', [checkout]);
  copyCheckout(checkout);

  const port = await freePort();
  const child = spawn('npm', ['start'], {
    cwd: checkout,
    // Its own process group, as a terminal's foreground job is: Ctrl+C signals the group.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      HERALD_POSTGRES_HOME: join(postgresHome, 'lib'),
      PORT: String(port),
      EMBEDDED_POSTGRES_PORT: String(await freePort()),
      EMULATOR_BASE_PORT: String(await freePortRange(3)),
      DATABASE_URL: '',
      ADMIN_API_KEY: '',
      LOG_FILE: '',
    },
  });
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  // 'close': every process of the job (npm, pnpm, Herald) has let go of the output.
  const closed = once(child, 'close');
  let serverPid = 0;
  try {
    await waitFor(
      () => {
        if (child.exitCode !== null) throw new Error(`npm start exited:\n${output}`);
        return output.includes('Herald is running.');
      },
      { timeoutMs: PROCESS_START_MS, what: 'npm start to be running' },
    );
    const cluster = join(checkout, '.data', 'postgres');
    assert.ok(lstatSync(cluster).isSymbolicLink(), '.data/postgres points at the cluster');
    const dataDir = readlinkSync(cluster);
    assert.ok(dataDir.startsWith(postgresHome), dataDir);
    assert.match(output, new RegExp(`Database\\s+embedded Postgres in ${dataDir}`));
    serverPid = Number(
      execFileSync('head', ['-n', '1', join(dataDir, 'postmaster.pid')]).toString(),
    );

    process.kill(-(child.pid as number), 'SIGINT');
    // npm re-raises the signal on itself, as a shell expects of an interrupted job.
    const [code, signal] = await closed;
    assert.ok(code === 0 || signal === 'SIGINT', output);
    const afterBanner = output.slice(output.indexOf('Stopping Herald'));
    assert.doesNotMatch(afterBanner, /warn|error/i, 'Ctrl+C prints no warnings');
    assert.equal(alive(serverPid), false, 'no Postgres is left running');
  } finally {
    if (alive(child.pid as number)) process.kill(-(child.pid as number), 'SIGKILL');
    // The server has its own process group: a failed test must not leave it running.
    if (serverPid && alive(serverPid)) process.kill(serverPid, 'SIGINT');
  }
});
