import { fileURLToPath } from 'node:url';
import { TIMED_OUT, withDeadline } from '@herald/domain';
import { freePort, startDeployedGateway, waitFor, waitUntilReady } from '@herald/testing';
import { answers } from './http.ts';
import { type ProcMemory, readCpuSeconds, readProcMemory } from './proc.ts';

export const BENCH_ADMIN_KEY = 'bench-admin-key-0123456789';
const PROBE_PREFIX = 'herald-bench-memory ';
const PROBE = fileURLToPath(new URL('./memory-probe.mjs', import.meta.url));

export interface GatewayMemory extends ProcMemory {
  heapTotalBytes: number;
  /** Live objects plus garbage not yet collected. */
  heapUsedBytes: number;
  /** What stays after a full collection. */
  heapRetainedBytes: number;
}

export interface GatewayProcess {
  url: string;
  pid: number;
  memory(): Promise<GatewayMemory>;
  cpuSeconds(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * The gateway exactly as deployed (the image's bundle and Node flags, see gateway-build.ts) in
 * its own process, so its memory is its own; the memory probe is preloaded through NODE_OPTIONS,
 * the entry point is untouched.
 */
export async function startGatewayProcess(
  databaseUrl: string,
  env: Record<string, string> = {},
): Promise<GatewayProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = await startDeployedGateway({
    DATABASE_URL: databaseUrl,
    PORT: String(port),
    HOST: '127.0.0.1',
    ADMIN_API_KEY: BENCH_ADMIN_KEY,
    DEFAULT_COUNTRY: 'TN',
    // The bench is one client address making many requests on purpose.
    RATE_LIMIT_PER_MINUTE: '0',
    SENDER_RATE_LIMIT_PER_MINUTE: '0',
    SESSION_CREATE_LIMIT_PER_HOUR: '0',
    LOG_LEVEL: 'warn',
    LOG_FILE: '',
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${PROBE}`.trim(),
    ...env,
  });
  await waitUntilReady(child, 'the gateway', () => answers(`${url}/api/campaigns`));
  const pid = child.child.pid as number;
  const readings = () =>
    child
      .output()
      .split('\n')
      .filter((l) => l.startsWith(PROBE_PREFIX));

  return {
    url,
    pid,
    async memory() {
      // /proc first: the probe's forced collection must not shape the resident size reported.
      const proc = await readProcMemory(pid);
      const seen = readings().length;
      process.kill(pid, 'SIGUSR2');
      const line = await waitFor(() => readings()[seen], {
        timeoutMs: 10_000,
        what: 'the gateway memory reading',
      });
      const heap = JSON.parse(line.slice(PROBE_PREFIX.length)) as Record<string, number>;
      return {
        ...proc,
        heapTotalBytes: heap.heapTotal ?? 0,
        heapUsedBytes: heap.heapUsed ?? 0,
        heapRetainedBytes: heap.heapUsedAfterGc ?? 0,
      };
    },
    cpuSeconds: () => readCpuSeconds(pid),
    async stop() {
      // A graceful stop closes its pools before the database is dropped; a stuck one is killed.
      const stopped = await withDeadline(child.stop(), 10_000);
      if (stopped === TIMED_OUT) await child.kill();
    },
  };
}
