import type { RunningProcess } from '@herald/testing';
import { waitFor } from '@herald/testing';

/**
 * Waits until `ready()` holds for a freshly started child, failing at once (with its output)
 * if the child exits first; a child that never gets ready is killed.
 */
export async function waitUntilReady(
  child: RunningProcess,
  what: string,
  ready: () => boolean | Promise<boolean>,
  timeoutMs = 30_000,
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
