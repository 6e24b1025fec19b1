import { runUntilSignalled } from '@herald/logging';
import { parseCliOptions, USAGE } from './cli-options.ts';
import { startEmulatorFleet } from './emulator.ts';

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

  const fleet = await runUntilSignalled(
    async () => {
      const workers = await startEmulatorFleet({
        ...options.emulator,
        workers: options.workers,
        basePort: options.basePort,
        apiKey: options.apiKey,
        log: (line) => {
          if (!options.quiet) process.stderr.write(`${new Date().toISOString()} ${line}\n`);
        },
      });
      return { workers, stop: () => Promise.all(workers.map((worker) => worker.close())) };
    },
    {
      name: 'waha-emulator',
      announce: (signal) => process.stderr.write(`${signal}: stopping the worker(s)...\n`),
    },
  );
  for (const worker of fleet.workers) {
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
