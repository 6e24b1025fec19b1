import assert from 'node:assert/strict';
import { it } from 'node:test';
import winston from 'winston';
import { createLogger } from '../src/logger.ts';

/** Collects the entries that reach the transports, formatted. */
class Collect extends winston.Transport {
  readonly seen: { level: string; message: string }[] = [];
  override log(info: { level: string; message: string }, done: () => void) {
    this.seen.push({ level: info.level, message: info.message });
    done();
  }
}

it('drops entries below the level before any formatting, and follows a changed level', () => {
  const logger = createLogger({ service: 'test', file: '', console: false });
  const collect = new Collect();
  logger.add(collect as unknown as winston.transport);
  logger.debug('below the level', { n: 1 });
  logger.info('at the level', { n: 2 });
  logger.child({ part: 'child' }).debug('below the level, from a child');
  logger.level = 'debug';
  logger.debug('now at the level');
  logger.child({ part: 'child' }).debug('from a child, now at the level');
  assert.deepEqual(collect.seen, [
    { level: 'info', message: 'at the level' },
    { level: 'debug', message: 'now at the level' },
    { level: 'debug', message: 'from a child, now at the level' },
  ]);
});
