import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { deployedDispatcherCommand } from './dispatcher-command.ts';
import { waitFor } from './wait-for.ts';

export interface RunningProcess {
  child: ChildProcess;
  /** Everything the process printed so far (stdout and stderr interleaved). */
  output(): string;
  /** SIGKILL, and wait for the exit. */
  kill(): Promise<void>;
  /** SIGTERM, and wait for the exit code. */
  stop(): Promise<number | null>;
}

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Starts a TypeScript entry point of this repo (path relative to its root) under tsx. */
export function startTsProcess(
  entry: string,
  env: Record<string, string>,
  args: string[] = [],
): RunningProcess {
  return startNodeProcess(['--import', 'tsx', entry, ...args], env);
}

/** Starts this Node with these arguments (paths relative to the repo's root). */
export function startNodeProcess(nodeArgs: string[], env: Record<string, string>): RunningProcess {
  const child = spawn(process.execPath, nodeArgs, {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return {
    child,
    output: () => output,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** How long a process may take to start: tsx compiles it first, slowly on a loaded machine. */
export const PROCESS_START_MS = 90_000;

/**
 * Waits until `ready()` holds for a freshly started child, failing at once (with its output)
 * if the child exits first; a child that never gets ready is killed.
 */
export async function waitUntilReady(
  child: RunningProcess,
  what: string,
  ready: () => boolean | Promise<boolean>,
  timeoutMs = PROCESS_START_MS,
): Promise<void> {
  const exitedEarly = new Promise<never>((_, reject) => {
    child.child.once('exit', (code, signal) =>
      reject(
        new Error(`${what} exited (${code ?? signal}) before it was ready:\n${child.output()}`),
      ),
    );
  });
  // Once ready, a later exit is the caller's business, not an unhandled rejection.
  exitedEarly.catch(() => {});
  try {
    await Promise.race([exitedEarly, waitFor(ready, { timeoutMs, intervalMs: 50, what })]);
  } catch (error) {
    await child.kill();
    throw error;
  }
}

/**
 * A dispatcher as deployed (its package's `start` script: plain Node with its flags and
 * environment, its own process) with this environment, once it has logged that it started. It
 * logs at `info`, to its output only.
 */
export async function startDispatcherProcess(
  databaseUrl: string,
  dispatcherId: string,
  env: Record<string, string> = {},
): Promise<RunningProcess> {
  const deployed = await deployedDispatcherCommand();
  const child = startNodeProcess(deployed.nodeArgs, {
    ...deployed.env,
    LOG_LEVEL: 'info',
    LOG_FILE: '',
    DATABASE_URL: databaseUrl,
    DISPATCHER_ID: dispatcherId,
    // Several dispatchers run side by side: each serves its metrics on a free port.
    METRICS_PORT: '0',
    ...env,
  });
  await waitUntilReady(
    child,
    `dispatcher ${dispatcherId}`,
    () => child.output().includes('dispatcher started'),
    PROCESS_START_MS,
  );
  return child;
}

/** A TCP port that was free a moment ago, for servers started as separate processes. */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** The first of `count` consecutive ports that were free a moment ago (for a fleet of workers). */
export async function freePortRange(count: number): Promise<number> {
  for (;;) {
    const base = await freePort();
    if (base + count > 65_000) continue;
    const rest = await Promise.all(
      Array.from({ length: count - 1 }, (_, i) => isPortFree(base + i + 1)),
    );
    if (rest.every(Boolean)) return base;
  }
}

async function isPortFree(port: number): Promise<boolean> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
