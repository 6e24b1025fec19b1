import { existsSync } from 'node:fs';
import { createLogger, runUntilSignalled } from '@herald/logging';
import { loadConfig } from './config.ts';
import { startGateway } from './gateway.ts';

if (existsSync('.env')) process.loadEnvFile('.env');
const config = (() => {
  try {
    return loadConfig(process.env);
  } catch (error) {
    // One clear message (e.g. a weak ADMIN_API_KEY) rather than a stack trace.
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`${message.replace(/:\n\s+/, ': ').replace(/\n\s+/g, '; ')}\n`);
    process.exit(1);
  }
})();
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
