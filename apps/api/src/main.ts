import { existsSync } from 'node:fs';
import { createLogger, runUntilSignalled } from '@herald/logging';
import { loadConfig } from './config.ts';
import { startGateway } from './gateway.ts';

if (existsSync('.env')) process.loadEnvFile('.env');
const config = loadConfig(process.env);
const logger = createLogger({ service: 'api', level: config.logLevel, file: config.logFile });
const gateway = await runUntilSignalled(
  async () => {
    const started = await startGateway(config, logger);
    return { ...started, stop: started.close };
  },
  { name: 'gateway', logger },
);
if (gateway.generatedAdminKey) {
  // Printed once, never logged: only its hash is stored.
  process.stdout.write(
    `\nNo ADMIN_API_KEY was configured, so Herald generated one. It will not be shown again:\n\n  ${gateway.generatedAdminKey}\n\n`,
  );
}
