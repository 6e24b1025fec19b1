import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { freePort } from '@herald/testing';
import type { RunningEmulator } from '@herald/waha-emulator';
import { Agent, request } from 'undici';
import { API_KEY, call, startTestEmulator, startWorkingSession, waitForStatus } from './support.ts';

/** A call on a new connection: the restarted worker has the old one's port, not its sockets. */
async function callAfterRestart(emulator: RunningEmulator, method: 'GET' | 'POST', path: string) {
  const dispatcher = new Agent();
  try {
    const res = await request(`${emulator.url}${path}`, {
      method,
      dispatcher,
      headers: { 'x-api-key': API_KEY },
    });
    return { status: res.statusCode, body: (await res.body.json()) as { id?: string } };
  } finally {
    await dispatcher.close();
  }
}

// With a data folder, a worker keeps its sessions across restarts as WAHA with a persistent
// local store does: a paired session that was running comes back WORKING without a new scan.

const dirs: string[] = [];
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

test('a restarted worker brings its paired, running session back WORKING', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'emulator-store-'));
  dirs.push(dataDir);
  const port = await freePort();
  const first = await startTestEmulator({ port, dataDir });
  await startWorkingSession(first);
  await first.close();

  const second = await startTestEmulator({ port, dataDir });
  try {
    await waitForStatus(second, 'default', 'WORKING');
    const me = await callAfterRestart(second, 'GET', '/api/sessions/default/me');
    assert.match(me.body.id ?? '', /@c\.us$/);
  } finally {
    await second.close();
  }
});

test('a stopped or logged-out session stays so after a restart', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'emulator-store-'));
  dirs.push(dataDir);
  const port = await freePort();
  const first = await startTestEmulator({ port, dataDir });
  await startWorkingSession(first);
  await call(first, 'POST', '/api/sessions/default/logout');
  await call(first, 'POST', '/api/sessions/default/stop');
  await first.close();

  const second = await startTestEmulator({ port, dataDir });
  try {
    assert.equal(second.sessions()[0]?.status, 'STOPPED');
    await callAfterRestart(second, 'POST', '/api/sessions/default/start');
    await waitForStatus(second, 'default', 'SCAN_QR_CODE');
  } finally {
    await second.close();
  }
});
