import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { after, test } from 'node:test';
import { createTestDatabase, startTsProcess, type TestDatabase } from '@herald/testing';

// A start that fails says so in one line that says what to do: never a stack trace.

let t: TestDatabase | undefined;
after(async () => {
  await t?.drop();
});

async function failedStart(env: Record<string, string>): Promise<string> {
  const stack = startTsProcess('apps/local-stack/src/main.ts', { LOG_FILE: '', ...env });
  const [code] = await once(stack.child, 'exit');
  assert.equal(code, 1, stack.output());
  const output = stack.output();
  assert.doesNotMatch(output, /^\s+at /m, `no stack trace:\n${output}`);
  return output;
}

test('a bad setting is one line naming it', async () => {
  const output = await failedStart({ HERALD_EMULATOR: 'sometimes' });
  assert.match(output, /Herald failed to start: Invalid configuration: HERALD_EMULATOR: /);
  assert.equal(output.trim().split('\n').length, 1, output);
});

test('a port in use is one line saying which and what to do', async () => {
  t = await createTestDatabase();
  const busy = createServer().listen(0, '127.0.0.1');
  await once(busy, 'listening');
  const { port } = busy.address() as { port: number };
  try {
    const output = await failedStart({ DATABASE_URL: t.url, PORT: String(port) });
    assert.match(output, new RegExp(`port ${port} is already in use: stop what uses it`));
  } finally {
    busy.close();
  }
});
