/**
 * Preloaded (`--import`) into a process under measurement. On SIGUSR2 it prints one line on
 * stderr with its memory, the heap read before and after a forced collection, so garbage can be
 * told from what the work left behind. SIGUSR2 because SIGUSR1 opens Node's inspector. It imports
 * nothing from the workspace: it runs before the process's own code. Plain JavaScript, so loading
 * it does not start Node's type stripper in a process that otherwise runs none.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

// Exposing gc after startup works when the function is fetched from a fresh context.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc');

process.on('SIGUSR2', () => {
  const before = process.memoryUsage();
  collectGarbage();
  const after = process.memoryUsage();
  const reading = {
    rss: before.rss,
    heapTotal: before.heapTotal,
    heapUsed: before.heapUsed,
    heapUsedAfterGc: after.heapUsed,
    external: after.external,
  };
  // The prefix is matched by gateway-process.ts.
  process.stderr.write(`herald-bench-memory ${JSON.stringify(reading)}\n`);
});
