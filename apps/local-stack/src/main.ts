import { existsSync } from 'node:fs';
import { createLogger, runUntilSignalled } from '@herald/logging';
import { loadLocalStackConfig } from './config.ts';
import { startLocalStack } from './local-stack.ts';

// `pnpm start`: Herald on one machine. Configuration comes from the environment and `.env`.
if (existsSync('.env')) process.loadEnvFile('.env');
const config = loadLocalStackConfig(process.env);
const logger = createLogger({ service: 'herald', level: config.logLevel, file: config.logFile });
const stack = await runUntilSignalled(() => startLocalStack(config, process.env, logger), {
  name: 'Herald',
  logger,
  announce: () => process.stdout.write('\nStopping Herald (press Ctrl+C again to force)…\n'),
});
process.stdout.write(stack.banner);
