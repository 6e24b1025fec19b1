import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { waitFor } from '@herald/testing';
import { request } from 'undici';
import { parseCliOptions } from '../src/cli-options.ts';
import { type Json, startWebhookReceiver } from './support.ts';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

interface Cli {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

function startCli(args: string[], env: Record<string, string> = {}): Cli {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'apps/waha-emulator/src/main.ts', ...args],
    { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return { child, output: () => output, exited };
}

/** Three consecutive ports nobody listens on right now. */
async function findFreePorts(count: number): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    const servers = [];
    try {
      for (let i = 0; i < count; i++) {
        const server = createServer();
        server.listen(base + i, '127.0.0.1');
        await once(server, 'listening');
        servers.push(server);
      }
      return base;
    } catch {
      // Taken: try another range.
    } finally {
      for (const server of servers) server.close();
    }
  }
  throw new Error('no free port range');
}

async function get(url: string, key?: string) {
  const response = await request(url, { headers: key ? { 'x-api-key': key } : {} });
  return { status: response.statusCode, body: (await response.body.json()) as Json };
}

function workerLines(output: string): string[] {
  return output.split('\n').filter((line) => /^waha-\d+ http:/.test(line));
}

describe('CLI', () => {
  it('starts three workers with their own state and stops on SIGTERM', async () => {
    const base = await findFreePorts(3);
    const cli = startCli([
      '--workers',
      '3',
      '--base-port',
      String(base),
      '--tier',
      'core',
      '--api-key',
      'cli-key-123456',
      '--status-wait-ms',
      '100',
      '--starting-delay-ms',
      '0',
    ]);
    try {
      const lines = await waitFor(
        () => {
          const found = workerLines(cli.output());
          return found.length === 3 ? found : null;
        },
        { timeoutMs: 20_000, what: 'three worker lines' },
      );
      assert.match(
        lines[0] ?? '',
        new RegExp(
          `^waha-1 http://127.0.0.1:${base} tier=CORE engine=NOWEB api-key=cli-key-123456$`,
        ),
      );
      for (let i = 0; i < 3; i++) {
        const version = await get(
          `http://127.0.0.1:${base + i}/api/server/version`,
          'cli-key-123456',
        );
        assert.deepEqual([version.status, version.body.worker.id], [200, `waha-${i + 1}`]);
        assert.equal((await get(`http://127.0.0.1:${base + i}/api/sessions`)).status, 401);
      }
      const started = await request(`http://127.0.0.1:${base}/api/sessions/default/start`, {
        method: 'POST',
        headers: { 'x-api-key': 'cli-key-123456' },
      });
      assert.equal(started.statusCode, 201);
      await started.body.dump();
      const first = await get(`http://127.0.0.1:${base}/_emulator/sessions`);
      const second = await get(`http://127.0.0.1:${base + 1}/_emulator/sessions`);
      assert.notEqual(first.body[0].status, 'STOPPED');
      assert.equal(second.body[0].status, 'STOPPED');
    } finally {
      cli.child.kill('SIGTERM');
    }
    assert.equal(await cli.exited, 0);
  });

  it('generates one key per worker and sends the global webhook from env', async () => {
    const hooks = await startWebhookReceiver();
    const base = await findFreePorts(2);
    const cli = startCli(
      [
        '--workers',
        '2',
        '--base-port',
        String(base),
        '--tier',
        'plus',
        '--starting-delay-ms',
        '0',
        '--quiet',
      ],
      { WAHA_API_KEY: '', WHATSAPP_HOOK_URL: hooks.url, WHATSAPP_HOOK_EVENTS: 'session.status' },
    );
    try {
      const lines = await waitFor(
        () => {
          const found = workerLines(cli.output());
          return found.length === 2 ? found : null;
        },
        { timeoutMs: 20_000, what: 'two worker lines' },
      );
      const keys = lines.map((line) => line.split('api-key=')[1] ?? '');
      assert.match(keys[0] ?? '', /^[0-9a-f]{32}$/);
      assert.notEqual(keys[0], keys[1]);
      const created = await request(`http://127.0.0.1:${base + 1}/api/sessions`, {
        method: 'POST',
        headers: { 'x-api-key': keys[1] ?? '', 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'hooked', start: true }),
      });
      assert.equal(created.statusCode, 201);
      await created.body.dump();
      await waitFor(() => hooks.events('session.status', 'hooked').length >= 3);
    } finally {
      cli.child.kill('SIGTERM');
      await hooks.close();
    }
    assert.equal(await cli.exited, 0);
  });

  it('parses flags with env fallbacks and rejects bad values', () => {
    const options = parseCliOptions(['--', '--engine', 'GOWS', '--ack-delays-ms', '1,2,3'], {
      WAHA_API_KEY: 'env-key',
      WHATSAPP_HOOK_URL: 'http://127.0.0.1:9/h',
      WHATSAPP_HOOK_HMAC_KEY: 'h',
      WHATSAPP_HOOK_RETRIES_ATTEMPTS: '3',
    });
    assert.equal(options.apiKey, 'env-key');
    assert.equal(options.emulator.engine, 'GOWS');
    assert.deepEqual(options.emulator.ackDelaysMs, [1, 2, 3]);
    assert.deepEqual(options.emulator.globalWebhook, {
      url: 'http://127.0.0.1:9/h',
      events: ['*'],
      hmacKey: 'h',
      retries: { policy: 'constant', delaySeconds: 2, attempts: 3 },
    });
    assert.equal(parseCliOptions(['--no-api-key'], { WAHA_API_KEY: 'x' }).apiKey, null);
    assert.throws(() => parseCliOptions(['--tier', 'gold'], {}), /--tier must be one of/);
    assert.throws(
      () => parseCliOptions(['--workers', '0'], {}),
      /--workers must be an integer >= 1/,
    );
  });
});
