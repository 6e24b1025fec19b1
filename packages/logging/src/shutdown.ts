import { withDeadline } from '@herald/domain';
import type { Logger } from './logger.ts';

export interface RunOptions {
  /** Names the process in its messages (`gateway`, `dispatcher`, …). */
  name: string;
  /** Where the messages go (flushed, for at most two seconds, before exiting); default stderr. */
  logger?: Logger;
  /** Replaces the message of the first signal (a banner-style process speaks to its terminal). */
  announce?: (signal: NodeJS.Signals) => void;
}

const FLUSH_LIMIT_MS = 2000;

/**
 * How every Herald process runs: it starts the service, and the first SIGTERM or SIGINT stops it
 * gracefully (work in flight finishes) and exits 0, or 1 when the stop fails; a signal during
 * start-up waits for the start, then stops what started. A second signal exits 1 at once. A start
 * that fails is reported and exits 1. Resolves with the started service.
 */
export async function runUntilSignalled<T extends { stop(): Promise<unknown> }>(
  start: () => Promise<T>,
  options: RunOptions,
): Promise<T> {
  const say = (level: 'info' | 'warn' | 'error', message: string, meta: object = {}) => {
    if (options.logger) options.logger.log(level, message, meta);
    else process.stderr.write(`${options.name}: ${message} ${JSON.stringify(meta)}\n`);
  };
  const starting = start();
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      say('warn', 'second signal: exiting without finishing', { signal });
      process.exit(1);
    }
    signalled = true;
    if (options.announce) options.announce(signal);
    else say('info', 'signal received: stopping', { signal });
    starting
      .then((service) => service.stop())
      .then(
        () => exitAfterFlush(0, options.logger),
        (error: unknown) => {
          say('error', 'graceful stop failed', { error: String(error) });
          return exitAfterFlush(1, options.logger);
        },
      );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    return await starting;
  } catch (error) {
    say('error', `${options.name} failed to start`, {
      error: error instanceof Error ? error.message : String(error),
    });
    return exitAfterFlush(1, options.logger);
  }
}

/** Lets the log transports flush (bounded), then exits. */
async function exitAfterFlush(code: number, logger: Logger | undefined): Promise<never> {
  if (logger) {
    const flushed = new Promise((resolve) => {
      logger.on('finish', resolve);
      logger.end();
    });
    await withDeadline(flushed, FLUSH_LIMIT_MS);
  }
  process.exit(code);
}
