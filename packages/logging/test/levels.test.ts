import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { it } from 'node:test';
import winston from 'winston';
import { createLogger } from '../src/logger.ts';

it('drops entries below the level before any formatting, and follows a changed level', () => {
  const logger = createLogger({ service: 'test', file: '', console: false });
  const seen: { level: string; message: string }[] = [];
  const stream = new Writable({
    objectMode: true,
    write(info: { level: string; message: string }, _encoding, done) {
      seen.push({ level: info.level, message: info.message });
      done();
    },
  });
  logger.add(new winston.transports.Stream({ stream }));
  logger.debug('below the level', { n: 1 });
  logger.info('at the level', { n: 2 });
  logger.child({ part: 'child' }).debug('below the level, from a child');
  logger.level = 'debug';
  logger.debug('now at the level');
  logger.child({ part: 'child' }).debug('from a child, now at the level');
  assert.deepEqual(seen, [
    { level: 'info', message: 'at the level' },
    { level: 'debug', message: 'now at the level' },
    { level: 'debug', message: 'from a child, now at the level' },
  ]);
});
