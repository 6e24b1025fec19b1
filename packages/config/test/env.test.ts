import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { loadEnv, loggingEnv, strictBoolean } from '../src/index.ts';

const Schema = z.object({
  MAX_LIVE_SESSIONS: z.coerce.number().int().default(100),
  CHECK_NUMBERS: strictBoolean.default(true),
  PUBLIC_URL: z.url().optional(),
  ...loggingEnv,
});

describe('loadEnv', () => {
  it('camelCases the names, applies defaults and freezes the result', () => {
    const config = loadEnv(Schema, { MAX_LIVE_SESSIONS: '7', UNRELATED: 'x' });
    assert.deepEqual(config, {
      maxLiveSessions: 7,
      checkNumbers: true,
      logLevel: 'info',
    });
    assert.ok(Object.isFrozen(config));
  });

  it('treats an empty variable as unset, except LOG_FILE where empty means no file', () => {
    const config = loadEnv(Schema, { MAX_LIVE_SESSIONS: '', PUBLIC_URL: '', LOG_FILE: '' });
    assert.equal(config.maxLiveSessions, 100);
    assert.equal(config.publicUrl, undefined);
    assert.equal(config.logFile, '');
  });

  it('reads booleans strictly', () => {
    assert.equal(loadEnv(Schema, { CHECK_NUMBERS: 'false' }).checkNumbers, false);
    assert.equal(loadEnv(Schema, { CHECK_NUMBERS: '1' }).checkNumbers, true);
    assert.throws(() => loadEnv(Schema, { CHECK_NUMBERS: 'no' }), /CHECK_NUMBERS/);
  });

  it('lists every problem in one error', () => {
    assert.throws(
      () => loadEnv(Schema, { MAX_LIVE_SESSIONS: 'many', LOG_LEVEL: 'loud' }),
      (error: Error) => /MAX_LIVE_SESSIONS/.test(error.message) && /LOG_LEVEL/.test(error.message),
    );
  });
});
