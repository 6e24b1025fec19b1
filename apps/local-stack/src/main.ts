import { existsSync } from 'node:fs';
import { createLogger } from '@herald/logging';
import { startLocalStack } from './local-stack.ts';

// `pnpm start`: Herald on one machine. Configuration comes from the environment and `.env`.
if (existsSync('.env')) process.loadEnvFile('.env');
const logger = createLogger({
  service: 'herald',
  level: process.env.LOG_LEVEL ?? 'info',
  file: process.env.LOG_FILE,
});

let stack: Awaited<ReturnType<typeof startLocalStack>>;
try {
  stack = await startLocalStack(process.env, logger);
} catch (error) {
  logger.error('Herald failed to start', {
    error: error instanceof Error ? error.message : String(error),
  });
  process.exit(1);
}
process.stdout.write(stack.banner);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(1);
    stopping = true;
    process.stdout.write('\nStopping Herald (press Ctrl+C again to force)…\n');
    stack.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error('shutdown failed', { error: String(error) });
        process.exit(1);
      },
    );
  });
}
