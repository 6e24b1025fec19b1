import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createLogger } from '@herald/logging';
import { waitFor } from '@herald/testing';
import { loadConfig } from '../src/config.ts';
import { startGateway } from '../src/gateway.ts';
import { startTestGateway, TEST_ADMIN_KEY, type TestGateway } from './support/gateway.ts';
import { call } from './support/http.ts';

const LIMITS = {
  TRUST_PROXY: 'true',
  RATE_LIMIT_PER_MINUTE: '4',
  SENDER_RATE_LIMIT_PER_MINUTE: '3',
  SESSION_CREATE_LIMIT_PER_HOUR: '2',
};
const logFile = join(mkdtempSync(join(tmpdir(), 'herald-limits-')), 'gateway.log');
let gw: TestGateway;

before(async () => {
  const logger = createLogger({ service: 'test', console: false, file: logFile });
  gw = await startTestGateway(LIMITS, { logger });
});

after(async () => {
  await gw.close();
});

/** Fixed windows restart on the minute: start a run of counted requests well inside one. */
const insideOneMinute = () =>
  waitFor(() => new Date().getSeconds() < 40, { timeoutMs: 25_000, what: 'a fresh minute' });

const from = (address: string, headers: Record<string, string> = {}) => ({
  headers: { 'X-Forwarded-For': address, ...headers },
});

function logLines(): Record<string, unknown>[] {
  return readFileSync(logFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

test('wrong admin keys are throttled per client address (429 + Retry-After) and logged with it', async () => {
  await insideOneMinute();
  const admin = (key: string) =>
    call('GET', `${gw.url}/api/admin/delays`, from('198.51.100.7', { 'X-Admin-Token': key }));
  // The default: 20 wrong keys a minute.
  for (let i = 0; i < 20; i += 1) assert.equal((await admin(`wrong-key-${i}`)).status, 403);
  const throttled = await admin('wrong-key-20');
  assert.equal(throttled.status, 429);
  assert.equal(throttled.body.error.code, 'RATE_LIMITED');
  const retryAfter = Number(throttled.headers.get('retry-after'));
  assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
  // Refused before the key is compared, so guessing right does not help in the meantime.
  assert.equal((await admin(TEST_ADMIN_KEY)).status, 429);
  const elsewhere = await call(
    'GET',
    `${gw.url}/api/admin/delays`,
    from('198.51.100.8', { 'X-Admin-Token': TEST_ADMIN_KEY }),
  );
  assert.equal(elsewhere.status, 200, 'another address is not affected');

  await waitFor(
    () =>
      logLines().filter(
        (l) => l.message === 'admin authentication failed' && l.clientAddress === '198.51.100.7',
      ).length === 20,
    { what: 'each failure logged with the client address' },
  );
  assert.ok(logLines().some((l) => l.message === 'admin authentication throttled'));
  assert.equal(JSON.stringify(logLines()).includes('wrong-key-'), false, 'keys are never logged');
});

test('user requests are limited per client address, shared by every gateway process', async () => {
  await insideOneMinute();
  const config = loadConfig({
    DATABASE_URL: gw.databaseUrl,
    PORT: '0',
    HOST: '127.0.0.1',
    ADMIN_API_KEY: TEST_ADMIN_KEY,
    LOG_FILE: '',
    ...LIMITS,
  });
  const quiet = createLogger({ service: 'test', console: false, file: '' });
  quiet.silent = true;
  const second = await startGateway(config, quiet);
  try {
    const read = (url: string) =>
      call('GET', `${url}/api/campaigns?sender_number=2165050000${url === gw.url ? 1 : 2}`, {
        ...from('203.0.113.10'),
      });
    for (const url of [gw.url, second.url, gw.url, second.url]) {
      assert.equal((await read(url)).status, 200);
    }
    const refused = await read(second.url);
    assert.equal(refused.status, 429);
    assert.equal(refused.body.error.code, 'RATE_LIMITED');
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    assert.equal((await read(gw.url)).status, 429, 'the other process agrees');
  } finally {
    await second.close();
  }
});

test('user requests about one sender are limited, whatever address they come from', async () => {
  await insideOneMinute();
  const about = (sender: string, address: string) =>
    call('GET', `${gw.url}/api/sessions/${sender}/status`, from(address));
  for (const address of ['203.0.113.21', '203.0.113.22', '203.0.113.23']) {
    assert.equal((await about('21650500010', address)).status, 200);
  }
  const refused = await about('21650500010', '203.0.113.24');
  assert.equal(refused.status, 429);
  assert.equal((await about('21650500011', '203.0.113.24')).status, 200, 'another sender is not');
});

test('session creation is limited per client address', async () => {
  const create = (phone: string) =>
    call('POST', `${gw.url}/api/sessions`, {
      ...from('203.0.113.30'),
      body: { phone_number: phone },
    });
  // No worker: each creation answers 503, and counts all the same.
  assert.equal((await create('21650500020')).status, 503);
  assert.equal((await create('21650500021')).status, 503);
  const refused = await create('21650500022');
  assert.equal(refused.status, 429);
  assert.equal(refused.body.error.code, 'RATE_LIMITED');
  const read = await call('GET', `${gw.url}/api/sessions/21650500020/status`, from('203.0.113.30'));
  assert.equal(read.status, 200, 'other requests from that address still pass');
});

test('without TRUST_PROXY, X-Forwarded-For does not name the client', async () => {
  const direct = await startTestGateway({ RATE_LIMIT_PER_MINUTE: '3' });
  try {
    await insideOneMinute();
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1) {
      const res = await call(
        'GET',
        `${direct.url}/api/campaigns?sender_number=21650500030`,
        from(`192.0.2.${i + 1}`),
      );
      statuses.push(res.status);
    }
    assert.deepEqual(statuses, [200, 200, 200, 429], 'one client, whatever the header says');
  } finally {
    await direct.close();
  }
});
