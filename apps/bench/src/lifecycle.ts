import { TIMED_OUT, withDeadline } from '@herald/domain';
/**
 * Cleanup that survives failures: every resource a scenario starts (databases, processes,
 * emulators, servers) is registered here as soon as it exists, and released in reverse order
 * whether the scenario finished, threw or timed out.
 */
export interface Cleanup {
  defer(what: string, task: () => unknown): void;
  /** A nested cleanup, run early by its owner or, at the latest, with this one. */
  scope(): Cleanup;
  /** Runs every task (newest first), each bounded in time; returns the failures as text. */
  run(): Promise<string[]>;
}

const TASK_TIMEOUT_MS = 30_000;

export function createCleanup(): Cleanup {
  const tasks: { what: string; task: () => unknown }[] = [];
  let closed = false;
  let running: Promise<string[]> | undefined;
  const cleanup: Cleanup = {
    defer(what, task) {
      // A scenario abandoned at its timeout may still start things after its cleanup ran:
      // those are released at once instead of leaking.
      if (closed) {
        Promise.resolve()
          .then(task)
          .catch(() => {});
        return;
      }
      tasks.push({ what, task });
    },
    scope() {
      const inner = createCleanup();
      cleanup.defer('nested cleanup', async () => {
        const errors = await inner.run();
        if (errors.length > 0) throw new Error(errors.join('; '));
      });
      return inner;
    },
    run() {
      // One run for every caller: the signal handler and the scenario's own `finally` may both
      // ask, and neither may return while a task the other took is still releasing something.
      running ??= releaseAll();
      return running;
    },
  };
  async function releaseAll(): Promise<string[]> {
    closed = true;
    const errors: string[] = [];
    for (let next = tasks.pop(); next; next = tasks.pop()) {
      const { what, task } = next;
      try {
        await withTimeout(Promise.resolve().then(task), TASK_TIMEOUT_MS, what);
      } catch (error) {
        errors.push(`${what}: ${String(error)}`);
      }
    }
    return errors;
  }
  return cleanup;
}

/** Rejects when `promise` has not settled within `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  const result = await withDeadline(promise, ms);
  if (result === TIMED_OUT) throw new Error(`${what} took longer than ${ms} ms`);
  return result;
}
