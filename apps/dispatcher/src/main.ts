import { createLogger, runUntilSignalled } from '@herald/logging';
import { loadConfig } from './config.ts';
import { startDispatcher } from './dispatcher.ts';

// The first SIGTERM/SIGINT stops gracefully (the message in flight is finished and recorded);
// a second one exits at once, and another dispatcher's lease sweep cleans up after us.
const config = loadConfig(process.env);
const logger = createLogger({
  service: 'dispatcher',
  level: config.logLevel,
  file: config.logFile,
});
await runUntilSignalled(() => startDispatcher(config, { logger, serveMetrics: true }), {
  name: 'dispatcher',
  logger,
});
