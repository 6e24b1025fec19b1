import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@herald/logging';
import type { Job, PgBoss } from 'pg-boss';
import { createBatcher } from './batcher.ts';
import type { DueTurns } from './due-turns.ts';

export interface ConsumerOptions {
  boss: PgBoss;
  queue: string;
  /** Jobs run at once by this process. */
  concurrency: number;
  /** Pause after a fetch that found fewer jobs than there were free slots. */
  pollIntervalMs: number;
  /** Jobs queued for later by this process: that pause ends when the first comes due. */
  dueTurns?: DueTurns;
  /** Jobs to run at once now, below `concurrency` (this dispatcher's fair share). */
  limit?: () => number;
  /** Told when a fetch filled the slots `limit` left free: the limit may be stale. */
  limitReached?: () => Promise<void>;
  logger: Logger;
  /** Runs one job; `signal` aborts when the process shuts down. Resolving completes the job. */
  handle(job: Job<unknown>, signal: AbortSignal): Promise<void>;
}

export interface Consumer {
  /** Jobs running now. */
  active(): number;
  /** Stops fetching, aborts the handlers' signal and waits for them to settle their jobs. */
  stop(): Promise<void>;
}

const MAX_ERROR_BACKOFF_MS = 10_000;

/**
 * One fetch loop feeding a fixed number of slots. pg-boss's `work()` with a local concurrency
 * would poll once per slot; this polls once per interval whatever the concurrency, fetching as many
 * jobs as there are free slots, and fetches again at once when a full batch leaves work behind.
 */
export function startConsumer(options: ConsumerOptions): Consumer {
  const { boss, queue, concurrency, pollIntervalMs, logger } = options;
  const shutdown = new AbortController();
  const running = new Set<Promise<void>>();
  let wakeOnFreeSlot: (() => void) | undefined;
  // Jobs that end together complete in one statement. Turns started together end together, every
  // turn length: one at a time, thousands of completions queue on pg-boss's few connections for
  // seconds, holding their slots, and the fetch that would start the next turns waits behind them.
  const completions = createBatcher(async (jobs: Job<unknown>[]) => {
    await boss.complete(queue, jobs);
    return jobs.map(() => undefined);
  });

  function run(job: Job<unknown>): void {
    const task = (async () => {
      try {
        await options.handle(job, shutdown.signal);
        await completions.run(job);
      } catch (error) {
        logger.error('job failed; pg-boss will retry it', {
          queue,
          job_id: job.id,
          error: String(error),
        });
        await boss.fail(queue, job, { message: String(error) }).catch((failError) => {
          logger.error('could not mark a job failed', { job_id: job.id, error: String(failError) });
        });
      }
    })().finally(() => {
      running.delete(task);
      wakeOnFreeSlot?.();
    });
    running.add(task);
  }

  async function loop(): Promise<void> {
    let failures = 0;
    while (!shutdown.signal.aborted) {
      const limit = Math.min(concurrency, options.limit?.() ?? concurrency);
      const free = limit - running.size;
      if (free <= 0 && running.size < concurrency) {
        // Held back by the limit rather than by busy slots: look again after a poll.
        await pause(pollIntervalMs);
        continue;
      }
      if (free <= 0) {
        await new Promise<void>((resolve) => {
          wakeOnFreeSlot = resolve;
          shutdown.signal.addEventListener('abort', () => resolve(), { once: true });
        });
        wakeOnFreeSlot = undefined;
        continue;
      }
      let jobs: Job<unknown>[];
      try {
        jobs = await boss.fetch<unknown>(queue, { batchSize: free });
        failures = 0;
      } catch (error) {
        failures += 1;
        logger.error('fetching jobs failed', { queue, error: String(error) });
        await pause(Math.min(MAX_ERROR_BACKOFF_MS, pollIntervalMs * 2 ** failures));
        continue;
      }
      // Jobs fetched during a shutdown still run: a turn that sees the signal hands its sender
      // straight back with a new queued turn, so nothing waits for this job's expiry.
      for (const job of jobs) run(job);
      if (jobs.length < free) {
        await (options.dueTurns?.rest(pollIntervalMs, shutdown.signal) ?? pause(pollIntervalMs));
      } else if (limit < concurrency) {
        await options.limitReached?.().catch((error: unknown) => {
          logger.warn('recounting the share failed', { error: String(error) });
        });
      }
    }
  }

  const pause = (ms: number) => sleep(ms, undefined, { signal: shutdown.signal }).catch(() => {});
  const looping = loop().catch((error) => {
    logger.error('the fetch loop stopped', { queue, error: String(error) });
  });

  return {
    active: () => running.size,
    async stop() {
      shutdown.abort();
      await looping;
      while (running.size > 0) await Promise.allSettled([...running]);
    },
  };
}
