import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { freePort, type RunningProcess, startTsProcess, waitFor } from '@herald/testing';
import { request } from 'undici';
import { unconfiguredStackEnv } from './stack-env.ts';

// `npm start` with nothing configured: embedded Postgres in the data folder, three emulated Core
// workers registered through the admin API, the gateway and a dispatcher. A second start on the
// same folder reuses the cluster, the admin key and the registered workers.

let dataDir: string;
let env: Record<string, string>;
let gatewayUrl: string;

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'herald-local-'));
  const port = await freePort();
  gatewayUrl = `http://127.0.0.1:${port}`;
  env = await unconfiguredStackEnv(dataDir, port);
});

after(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

async function startStack(): Promise<{ stack: RunningProcess; adminKey: string }> {
  const stack = startTsProcess('apps/local-stack/src/main.ts', env);
  const banner = await waitFor(
    () => {
      if (stack.child.exitCode !== null) throw new Error('the stack exited');
      return /Herald is running\.[\s\S]*Stop with Ctrl\+C/.exec(stack.output());
    },
    { timeoutMs: 90_000, what: 'the stack to start' },
  ).catch(async (error: unknown) => {
    await stack.kill();
    throw new Error(`${String(error)}; its output:\n${stack.output()}`);
  });
  const adminKey = /Admin key\s+(\S+)/.exec(banner[0])?.[1];
  assert.ok(adminKey, banner[0]);
  return { stack, adminKey };
}

async function getJson(path: string, headers: Record<string, string> = {}) {
  const res = await request(`${gatewayUrl}${path}`, { headers });
  return { status: res.statusCode, body: (await res.body.json()) as never };
}

test('npm start runs a working stack on its own, and a restart finds everything again', async () => {
  const first = await startStack();
  try {
    const workers = await waitFor(
      async () => {
        const res = await getJson('/api/admin/workers', { 'x-admin-token': first.adminKey });
        const list = res.body as Array<{ tier: string; healthy: boolean }>;
        return list.length === 3 && list.every((w) => w.healthy && w.tier === 'CORE') ? list : null;
      },
      { timeoutMs: 20_000, what: 'three healthy emulated Core workers' },
    );
    assert.equal(workers.length, 3);
    // Emulated numbers get the quick demo policy, not a fresh install's conservative one.
    const policy = await getJson('/api/admin/sender-policy', { 'x-admin-token': first.adminKey });
    const { hourly_cap, warmup, delay_jitter_seconds } = policy.body as Record<string, unknown>;
    assert.deepEqual(
      { hourly_cap, warmup, delay_jitter_seconds },
      {
        hourly_cap: null,
        warmup: null,
        delay_jitter_seconds: 1,
      },
    );

    const created = await request(`${gatewayUrl}/api/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ phone_number: '21620000201' }),
    });
    assert.equal(created.statusCode, 201, await created.body.text());
    const docs = await request(`${gatewayUrl}/docs/`);
    assert.equal(docs.statusCode, 200);
    await docs.body.text();
  } finally {
    assert.equal(await first.stack.stop(), 0, first.stack.output());
  }

  const second = await startStack();
  try {
    assert.equal(second.adminKey, first.adminKey, 'the generated admin key is kept');
    const workers = await getJson('/api/admin/workers', { 'x-admin-api-key': second.adminKey });
    assert.equal((workers.body as unknown[]).length, 3, 'workers are not registered twice');
    const session = await getJson('/api/sessions/21620000201');
    assert.equal(session.status, 200, 'the session row survived the restart');
  } finally {
    assert.equal(await second.stack.stop(), 0, second.stack.output());
  }
});
