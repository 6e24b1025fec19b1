import { loadConfig } from '@herald/dispatcher';
import { type RunningProcess, startTsProcess } from '@herald/testing';
import { waitUntilReady } from './child-ready.ts';
import { type CpuTimes, type ProcMemory, readCpuTimes, readProcMemory } from './proc.ts';

export interface DispatcherProcess {
  id: string;
  pid: number;
  process: RunningProcess;
  memory(): Promise<ProcMemory>;
  cpuTimes(): Promise<CpuTimes>;
}

/**
 * A dispatcher as deployed (`apps/dispatcher/src/main.ts`), ready once it has logged that it
 * started. Logs go to its stderr at `info`, which says nothing per message, so the pipe costs
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
    ...env,
  };
  // A configuration mistake here is reported by name rather than as a child that exited.
  loadConfig(fullEnv);
  const child = startTsProcess('apps/dispatcher/src/main.ts', fullEnv);
  await waitUntilReady(child, `dispatcher ${id}`, () =>
    child.output().includes('dispatcher started'),
  );
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
  const stopped = await Promise.race([
    dispatcher.process.stop().then(() => true),
    new Promise<false>((resolve) => setTimeout(() => resolve(false), timeoutMs).unref()),
  ]);
  if (!stopped) await dispatcher.process.kill();
}
