import { parseCliOptions, USAGE } from './cli-options.ts';
import { startEmulatorFleet } from './emulator.ts';
import type { RunningEmulator } from './types.ts';

async function main(): Promise<void> {
  let options: ReturnType<typeof parseCliOptions>;
  try {
    options = parseCliOptions(process.argv.slice(2), process.env);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (options.help) {
    process.stdout.write(USAGE);
    return;
  }

  let workers: RunningEmulator[] = [];
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      process.stderr.write(`${signal} again: exiting now\n`);
      process.exit(1);
    }
    stopping = true;
    process.stderr.write(`${signal}: stopping ${workers.length} worker(s)...\n`);
    Promise.all(workers.map((worker) => worker.close())).then(
      () => process.exit(0),
      (error) => {
        process.stderr.write(`shutdown failed: ${error}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));

  workers = await startEmulatorFleet({
    ...options.emulator,
    workers: options.workers,
    basePort: options.basePort,
    apiKey: options.apiKey,
    log: (line) => {
      if (!options.quiet) process.stderr.write(`${new Date().toISOString()} ${line}\n`);
    },
  });
  for (const worker of workers) {
    // The key is printed on purpose: like WAHA's boot log, it is how an operator learns a generated key.
    process.stdout.write(
      `${worker.workerId} ${worker.url} tier=${worker.tier} engine=${worker.engine} api-key=${worker.apiKey ?? '(none)'}\n`,
    );
  }
}

main().catch((error) => {
  process.stderr.write(`waha-emulator failed: ${error?.stack ?? error}\n`);
  process.exit(1);
});
