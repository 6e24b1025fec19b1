import { createLogger, type Logger } from '@herald/logging';
import { loadConfig } from './config.ts';
import { startDispatcher } from './dispatcher.ts';

// The first SIGTERM/SIGINT stops gracefully (the message in flight is finished and recorded);
// a second one exits at once, and another dispatcher's lease sweep cleans up after us.
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const logger = createLogger({
    service: 'dispatcher',
    level: config.logLevel,
    file: config.logFile,
  });
  const starting = startDispatcher(config, { logger });
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      logger.warn('second signal: exiting without finishing', { signal });
      process.exit(1);
    }
    signalled = true;
    logger.info('signal received: stopping', { signal });
    // A signal during startup waits for the start to finish, then stops what started.
    starting
      .then((dispatcher) => dispatcher.stop())
      .then(
        () => exit(logger, 0),
        (error) => {
          logger.error('graceful stop failed', { error: String(error) });
          return exit(logger, 1);
        },
      );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    await starting;
  } catch (error) {
    logger.error('dispatcher failed to start', { error: String(error) });
    await exit(logger, 1);
  }
}

/** Lets the log transports flush (bounded), then exits. */
async function exit(logger: Logger, code: number): Promise<never> {
  await Promise.race([
    new Promise((resolve) => {
      logger.on('finish', resolve);
      logger.end();
    }),
    new Promise((resolve) => setTimeout(resolve, 2000).unref()),
  ]);
  process.exit(code);
}

main().catch((error) => {
  console.error('dispatcher crashed', error);
  process.exit(1);
});
