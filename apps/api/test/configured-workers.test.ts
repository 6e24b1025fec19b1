import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { listWorkers } from '@herald/db';
import { createLogger } from '@herald/logging';
import { createTestDatabase, type TestDatabase } from '@herald/testing';
import { type RunningEmulator, startEmulator } from '@herald/waha-emulator';
import { loadConfig } from '../src/config.ts';
import { startGateway } from '../src/gateway.ts';

// WAHA_WORKERS: a deployment's fixed fleet is registered at start, once, however often it starts.

const WAHA_KEY = 'configured-waha-key-0123';
let t: TestDatabase | undefined;
const emulators: RunningEmulator[] = [];
after(async () => {
  await Promise.all(emulators.map((e) => e.close()));
  await t?.drop();
});

test('the workers of WAHA_WORKERS are registered at start, and a restart adds none', async () => {
  t = await createTestDatabase();
  emulators.push(
    await startEmulator({ apiKey: WAHA_KEY }),
    await startEmulator({ apiKey: WAHA_KEY }),
  );
  const [a, b] = emulators as [RunningEmulator, RunningEmulator];
  const config = loadConfig({
    DATABASE_URL: t.url,
    PORT: '0',
    HOST: '127.0.0.1',
    ADMIN_API_KEY: 'configured-admin-key-0123',
    LOG_FILE: '',
    WAHA_WORKERS: `first=${a.url}, ${b.url}/`,
    WAHA_WORKERS_API_KEY: WAHA_KEY,
  });
  const logger = createLogger({ service: 'test', console: false, file: '' });
  logger.silent = true;
  for (let start = 0; start < 2; start++) {
    const gateway = await startGateway(config, logger);
    await gateway.close();
  }
  const workers = await listWorkers(t.db);
  assert.deepEqual(
    workers.map((w) => [w.name, w.url, w.healthy]).sort(),
    [
      ['first', a.url, true],
      [new URL(b.url).host, b.url, true],
    ].sort(),
  );
});

test('WAHA_WORKERS needs a key and well-formed entries', () => {
  const base = { DATABASE_URL: 'postgres://x@127.0.0.1/x' };
  assert.throws(
    () => loadConfig({ ...base, WAHA_WORKERS: 'http://waha1:3000' }),
    /WAHA_WORKERS_API_KEY/,
  );
  assert.throws(
    () => loadConfig({ ...base, WAHA_WORKERS: 'waha1=ftp://x', WAHA_WORKERS_API_KEY: 'k' }),
    /WAHA_WORKERS/,
  );
});
