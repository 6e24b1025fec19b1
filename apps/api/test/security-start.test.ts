import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createLogger } from '@herald/logging';
import { PROCESS_START_MS, startTsProcess, waitFor } from '@herald/testing';
import { startTestGateway } from './support/gateway.ts';

test('a weak ADMIN_API_KEY stops the gateway at start with one clear line', async () => {
  const child = startTsProcess('apps/api/src/main.ts', {
    DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
    ADMIN_API_KEY: 'CHANGE-ME-at-least-16-characters',
    LOG_FILE: '',
  });
  try {
    await waitFor(() => child.child.exitCode !== null, {
      timeoutMs: PROCESS_START_MS,
      what: 'the gateway to refuse to start',
    });
  } finally {
    await child.kill();
  }
  const code = child.child.exitCode;
  const lines = child.output().trim().split('\n');
  assert.equal(code, 1);
  assert.equal(lines.length, 1, child.output());
  assert.match(lines[0] ?? '', /ADMIN_API_KEY: contains the placeholder "change-me"/);
});

/** Starts a gateway with `env`, and answers whether it warned about open mode. */
async function warnsAboutOpenMode(env: Record<string, string>): Promise<boolean> {
  const file = join(mkdtempSync(join(tmpdir(), 'herald-start-')), 'gateway.log');
  const logger = createLogger({ service: 'test', console: false, file });
  const gw = await startTestGateway(env, { logger });
  try {
    const read = () => (readFileSync(file, 'utf8').match(/"gateway listening"/g) ?? []).length;
    await waitFor(() => read() === 1, { what: 'the start to be logged' });
    return readFileSync(file, 'utf8').includes('USER_AUTH=open on a non-loopback address');
  } finally {
    await gw.close();
  }
}

test('open mode on a non-loopback address warns at start; loopback or token mode does not', async () => {
  assert.equal(await warnsAboutOpenMode({ HOST: '0.0.0.0' }), true);
  assert.equal(await warnsAboutOpenMode({ HOST: '127.0.0.1' }), false);
  assert.equal(await warnsAboutOpenMode({ HOST: '0.0.0.0', USER_AUTH: 'token' }), false);
});
