import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { freePort } from '@herald/testing';
import { Agent, request } from 'undici';
import {
  call,
  type Json,
  startTestEmulator,
  startWorkingSession,
  waitForStatus,
} from './support.ts';

// The chat history WAHA keeps (NOWEB only with its store enabled), kept across a restart when
// the data folder is, and the emulator's record of send calls open at once per session.

const STORE = { noweb: { store: { enabled: true, fullSync: false } } };
const dirs: string[] = [];
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

const sendText = (emulator: Parameters<typeof call>[0], chatId: string, text: string) =>
  call(emulator, 'POST', '/api/sendText', { session: 'default', chatId, text });

test('the chat history lists the account’s messages to that chat, newest first, filtered', async () => {
  const emulator = await startTestEmulator({ tier: 'PLUS' });
  try {
    await startWorkingSession(emulator, 'default', '15550001111', STORE);
    const first = await sendText(emulator, '15550002222', 'one');
    await sendText(emulator, '15550003333', 'other chat');
    const second = await sendText(emulator, '15550002222@c.us', 'two');
    const history = await call(emulator, 'GET', '/api/default/chats/15550002222@c.us/messages');
    assert.equal(history.status, 200);
    const bodies = (history.body as Json[]).map((m) => m.body);
    assert.deepEqual(bodies.sort(), ['one', 'two']);
    const ids = (history.body as Json[]).map((m) => m.id);
    assert.ok(ids.includes(first.body.key ? `true_15550002222@c.us_${first.body.key.id}` : ''));
    assert.equal(second.status, 201);
    const entry = (history.body as Json[])[0];
    assert.equal(entry.fromMe, true);
    assert.equal(entry.from, '15550001111@c.us');
    assert.equal(entry.to, '15550002222@c.us');

    const future = Math.floor(Date.now() / 1000) + 60;
    const none = await call(
      emulator,
      'GET',
      `/api/default/chats/15550002222@c.us/messages?filter.timestamp.gte=${future}&downloadMedia=false`,
    );
    assert.deepEqual(none.body, []);
    const one = await call(emulator, 'GET', '/api/default/chats/15550002222@c.us/messages?limit=1');
    assert.equal((one.body as Json[]).length, 1);
  } finally {
    await emulator.close();
  }
});

test('NOWEB without its store cannot answer the history (400, as WAHA)', async () => {
  const emulator = await startTestEmulator({ tier: 'PLUS' });
  try {
    await startWorkingSession(emulator, 'default', '15550001111');
    const answer = await call(emulator, 'GET', '/api/default/chats/15550002222@c.us/messages');
    assert.equal(answer.status, 400);
    assert.match(answer.body.message, /Enable NOWEB store/);
  } finally {
    await emulator.close();
  }
});

test('a worker restarted with its data folder keeps its session WORKING and its history', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'emulator-history-'));
  dirs.push(dataDir);
  const port = await freePort();
  const first = await startTestEmulator({ port, dataDir, tier: 'PLUS' });
  await startWorkingSession(first, 'default', '15550001111', STORE);
  await sendText(first, '15550002222', 'kept');
  await first.close();

  const second = await startTestEmulator({ port, dataDir, tier: 'PLUS' });
  const agent = new Agent();
  try {
    await waitForStatus(second, 'default', 'WORKING');
    assert.equal(second.messages().length, 1);
    const res = await request(`${second.url}/api/default/chats/15550002222/messages`, {
      dispatcher: agent,
      headers: { 'x-api-key': second.apiKey ?? '' },
    });
    const body = (await res.body.json()) as Json[];
    assert.deepEqual(
      body.map((m) => m.body),
      ['kept'],
    );
  } finally {
    await agent.close();
    await second.close();
  }
});

test('a send slower than its client’s timeout still delivers, and open calls are counted', async () => {
  const emulator = await startTestEmulator();
  try {
    await startWorkingSession(emulator);
    emulator.setFaults({ latencyMs: 300 });
    const give = (text: string) =>
      request(`${emulator.url}/api/sendText`, {
        method: 'POST',
        headers: { 'x-api-key': emulator.apiKey ?? '', 'content-type': 'application/json' },
        body: JSON.stringify({ session: 'default', chatId: '15550002222', text }),
        signal: AbortSignal.timeout(50),
      }).then(
        () => 'answered',
        () => 'timed out',
      );
    assert.equal(await give('slow'), 'timed out');
    // The client gave up and sent again while the first call was still open at the worker.
    assert.equal(await give('again'), 'timed out');
    await new Promise((resolve) => setTimeout(resolve, 600));
    assert.deepEqual(
      emulator
        .messages()
        .map((m) => m.text)
        .sort(),
      ['again', 'slow'],
    );
    assert.deepEqual(emulator.sendConcurrency().default, { open: 0, max: 2 });
    const route = await call(emulator, 'GET', '/_emulator/send-concurrency');
    assert.deepEqual(route.body, { default: { open: 0, max: 2 } });
  } finally {
    await emulator.close();
  }
});
