import { loadConfig } from '@herald/dispatcher';
import { TIMED_OUT, withDeadline } from '@herald/domain';
import { type RunningProcess, startDispatcherProcess as startChild } from '@herald/testing';
import { type CpuTimes, type ProcMemory, readCpuTimes, readProcMemory } from './proc.ts';

export interface DispatcherProcess {
  id: string;
  pid: number;
  process: RunningProcess;
  memory(): Promise<ProcMemory>;
  cpuTimes(): Promise<CpuTimes>;
}

/**
 * A dispatcher as deployed (its bundle, started by its package's `start` script), ready once it
 * has logged that it started. Logs go to its stderr at `info`, which says nothing per message, so the pipe costs
 * nothing measurable.
 */
export async function startDispatcherProcess(
  databaseUrl: string,
  id: string,
  env: Record<string, string> = {},
): Promise<DispatcherProcess> {
  const fullEnv = {
    DATABASE_URL: databaseUrl,
    DISPATCHER_ID: id,
    LOG_LEVEL: 'info',
    LOG_FILE: '',
    // Several dispatchers run side by side: each serves its metrics on a free port.
    METRICS_PORT: '0',
    ...env,
  };
  // A configuration mistake here is reported by name rather than as a child that exited.
  loadConfig(fullEnv);
  const child = await startChild(databaseUrl, id, fullEnv);
  const pid = child.child.pid as number;
  return {
    id,
    pid,
    process: child,
    memory: () => readProcMemory(pid),
    cpuTimes: () => readCpuTimes(pid),
  };
}

/**
 * SIGTERM, as an orchestrator would, so the dispatcher closes its pools before its database is
 * dropped (and a profiler started with it can write its output); killed if it hangs.
 */
export async function stopDispatcher(dispatcher: DispatcherProcess, timeoutMs = 10_000) {
  const stopped = await withDeadline(dispatcher.process.stop(), timeoutMs);
  if (stopped === TIMED_OUT) await dispatcher.process.kill();
}
