import { existsSync } from 'node:fs';
import { createLogger, runUntilSignalled } from '@herald/logging';
import { type LocalStackConfig, loadLocalStackConfig } from './config.ts';
import { startLocalStack } from './local-stack.ts';
import { describeStartError, failedToStart } from './start-failure.ts';

// `npm start`: Herald on one machine. Configuration comes from the environment and `.env`.
let config: LocalStackConfig;
try {
  if (existsSync('.env')) process.loadEnvFile('.env');
  config = loadLocalStackConfig(process.env);
} catch (error) {
  failedToStart('Herald', error);
}
const logger = createLogger({ service: 'herald', level: config.logLevel, file: config.logFile });
const stack = await runUntilSignalled(
  () =>
    startLocalStack(config, process.env, logger).catch((error: unknown) => {
      throw new Error(describeStartError(error));
    }),
  {
    name: 'Herald',
    logger,
    announce: () => process.stdout.write('\nStopping Herald (press Ctrl+C again to force)…\n'),
  },
);
process.stdout.write(stack.banner);
