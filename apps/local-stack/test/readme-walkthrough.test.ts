import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  freePort,
  PROCESS_START_MS,
  type RunningProcess,
  startTsProcess,
  waitFor,
} from '@herald/testing';
import { request } from 'undici';
import { unconfiguredStackEnv } from './stack-env.ts';

// The README's walkthrough, extracted from README.md and run as one script (as when the whole
// block is pasted into a terminal) against `npm start`'s entry point; then the demo restarts
// and its sessions come back CONNECTED without a new scan.

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
let dataDir: string;
let env: Record<string, string>;
let gatewayUrl: string;
let port: number;
let fourthPort: number;
const running: RunningProcess[] = [];

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'herald-readme-'));
  port = await freePort();
  fourthPort = await freePort();
  gatewayUrl = `http://127.0.0.1:${port}`;
  env = await unconfiguredStackEnv(dataDir, port);
});

after(async () => {
  for (const p of running) await p.kill();
  await rm(dataDir, { recursive: true, force: true });
});

/** The first ```sh block under "## Try it", with this test's ports and data folder. */
async function walkthrough(): Promise<string> {
  const readme = await readFile(join(REPO, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Try it'));
  const script = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(script, 'README.md has a sh block under "## Try it"');
  return script
    .replaceAll('localhost:8000', `127.0.0.1:${port}`)
    .replaceAll('3104', String(fourthPort))
    .replaceAll('.data/', `${dataDir}/`);
}

async function startStack(): Promise<{ stack: RunningProcess; adminKey: string }> {
  const stack = startTsProcess('apps/local-stack/src/main.ts', env);
  running.push(stack);
  const banner = await waitFor(
    () => {
      if (stack.child.exitCode !== null) throw new Error(`the stack exited:\n${stack.output()}`);
      return /Herald is running\.[\s\S]*Stop with Ctrl\+C/.exec(stack.output());
    },
    { timeoutMs: PROCESS_START_MS, what: 'the stack to start' },
  );
  const adminKey = /Admin key\s+(\S+)/.exec(banner[0])?.[1];
  assert.ok(adminKey, banner[0]);
  assert.match(banner[0], new RegExp(`API\\s+http://127\\.0\\.0\\.1:${port}`), 'binds loopback');
  return { stack, adminKey };
}

test('the README walkthrough works pasted whole, and a restarted demo is still connected', async () => {
  const first = await startStack();
  const script = await walkthrough();
  // Its own process group, so the 4th worker it leaves running in the background is stopped too.
  const shell = spawn('sh', ['-c', script], {
    cwd: REPO,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, K: first.adminKey },
  });
  let output = '';
  shell.stdout.on('data', (chunk) => {
    output += chunk;
  });
  shell.stderr.on('data', (chunk) => {
    output += chunk;
  });
  try {
    const [code] = await once(shell, 'exit');
    assert.equal(code, 0, output);
    assert.doesNotMatch(output, /gave up waiting|"error":\{/, output);
    assert.match(output, /"status":"COMPLETED"/, output);
    assert.match(output, /Hello Sami, this is a test message!/, output);
    assert.match(
      output,
      new RegExp(`"url":"http://127\\.0\\.0\\.1:${fourthPort}"[^}]*"healthy":true`),
    );
  } finally {
    try {
      process.kill(-(shell.pid as number), 'SIGTERM');
    } catch {
      // Already gone.
    }
  }

  assert.equal(await first.stack.stop(), 0, first.stack.output());
  const second = await startStack();
  assert.match(second.stack.output(), /started because they are registered/);
  for (const phone of ['21620000101', '21620000102']) {
    await waitFor(
      async () => {
        const res = await request(`${gatewayUrl}/api/sessions/${phone}`);
        const body = (await res.body.json()) as { status: string };
        return body.status === 'CONNECTED';
      },
      { timeoutMs: 30_000, what: `${phone} CONNECTED after the restart, without a scan` },
    );
  }
  assert.equal(await second.stack.stop(), 0, second.stack.output());
});
