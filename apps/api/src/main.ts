import { existsSync } from 'node:fs';
import { createLogger } from '@herald/logging';
import { loadConfig } from './config.ts';
import { startGateway } from './gateway.ts';

if (existsSync('.env')) process.loadEnvFile('.env');
const config = loadConfig(process.env);
const logger = createLogger({ service: 'api', level: config.LOG_LEVEL, file: config.LOG_FILE });
const gateway = await startGateway(config, logger);
if (gateway.generatedAdminKey) {
  // Printed once, never logged: only its hash is stored.
  process.stdout.write(
    `\nNo ADMIN_API_KEY was configured, so Herald generated one. It will not be shown again:\n\n  ${gateway.generatedAdminKey}\n\n`,
  );
}

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info('shutting down', { signal });
    gateway.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error('shutdown failed', { error: String(error) });
        process.exit(1);
      },
    );
  });
}
