import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createLogger } from '@herald/logging';
import { waitFor } from '@herald/testing';
import { request } from 'undici';
import { startTestGateway, type TestGateway } from './support/gateway.ts';

// A session creation refused for lack of capacity: a 503 logged as a warning without a stack
// trace, and no user left behind for the number.

const logFile = join(tmpdir(), `herald-capacity-${process.pid}.log`);
let gw: TestGateway;

before(async () => {
  const logger = createLogger({ service: 'test', console: false, file: logFile });
  gw = await startTestGateway({}, { logger });
});
after(async () => {
  await gw?.close();
  await rm(logFile, { force: true });
});

test('NO_CAPACITY: a 503, a warning without a stack, and no user left behind', async () => {
  const res = await request(`${gw.url}/api/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ phone_number: '21620000901' }),
  });
  const body = (await res.body.json()) as { error: { code: string } };
  assert.equal(res.statusCode, 503);
  assert.equal(body.error.code, 'NO_CAPACITY');

  const users = await request(`${gw.url}/api/admin/users`, { headers: gw.adminHeaders });
  const list = (await users.body.json()) as { phone_number: string }[];
  assert.deepEqual(
    list.filter((u) => u.phone_number === '21620000901'),
    [],
    'the number is not a user',
  );
  const sender = await gw.db
    .selectFrom('senders')
    .select('phone_number')
    .where('phone_number', '=', '21620000901')
    .executeTakeFirst();
  assert.equal(sender, undefined);

  const line = await waitFor(
    async () =>
      (await readFile(logFile, 'utf8').catch(() => ''))
        .split('\n')
        .find((l) => l.includes('NO_CAPACITY')),
    { what: 'the refusal in the log' },
  );
  const entry = JSON.parse(line) as Record<string, unknown>;
  assert.equal(entry.level, 'warn');
  assert.doesNotMatch(line, /stack|at \//);
});
