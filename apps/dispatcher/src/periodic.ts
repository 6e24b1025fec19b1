import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@herald/logging';

/**
 * Background work a dispatcher runs on a timer (the recovery sweep; worker health probes, session
 * reconciliation and keep-alives register the same way). Runs never overlap themselves, and a
 * failed run is logged and tried again at the next tick.
 */
export interface PeriodicTask {
  name: string;
  intervalMs: number;
  /** The first run comes at a random moment this long after start at most (default: a second). */
  firstRunWithinMs?: number;
  run(signal: AbortSignal): Promise<unknown>;
}

export interface PeriodicTasks {
  stop(): Promise<void>;
}

/** ±20% jitter, so the dispatchers of a fleet do not all sweep in the same instant. */
const jittered = (ms: number) => ms * (0.8 + Math.random() * 0.4);

export function startPeriodicTasks(tasks: readonly PeriodicTask[], logger: Logger): PeriodicTasks {
  const shutdown = new AbortController();
  const { signal } = shutdown;
  const loops = tasks.map(async (task) => {
    // A first run soon after start, spread out, rather than a full interval later.
    let delay = Math.random() * (task.firstRunWithinMs ?? Math.min(task.intervalMs, 1000));
    while (!signal.aborted) {
      const slept = await sleep(delay, true, { signal }).catch(() => false);
      if (!slept) return;
      try {
        await task.run(signal);
      } catch (error) {
        logger.error('periodic task failed', { task: task.name, error: String(error) });
      }
      delay = jittered(task.intervalMs);
    }
  });
  return {
    async stop() {
      shutdown.abort();
      await Promise.allSettled(loops);
    },
  };
}
