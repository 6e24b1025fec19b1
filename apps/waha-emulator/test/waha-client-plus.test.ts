import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { waitFor } from '@herald/testing';
import { createWahaClient, type WahaClient, WahaError } from '@herald/waha';
import { type RunningEmulator, startEmulator } from '../src/index.ts';

const CHAT = '12025550123@c.us';

async function failure(call: Promise<unknown>): Promise<WahaError> {
  const error = await call.then(
    () => assert.fail('the call should have failed'),
    (error: unknown) => error,
  );
  assert.ok(error instanceof WahaError, `expected a WahaError, got ${String(error)}`);
  return error;
}

describe('a Plus worker', () => {
  let emulator: RunningEmulator;
  let client: WahaClient;

  const working = async (name: string, phone: string) => {
    await client.createSession({ name, start: true });
    await waitFor(async () => (await client.getSession(name)).status === 'SCAN_QR_CODE');
    emulator.scan(name, phone);
    await waitFor(async () => (await client.getSession(name)).status === 'WORKING');
  };

  before(async () => {
    emulator = await startEmulator({
      tier: 'PLUS',
      engine: 'NOWEB',
      apiKey: 'plus-test-key-9d2e',
      statusWaitMs: 300,
      startingDelayMs: 20,
    });
    client = createWahaClient({ baseUrl: emulator.url, apiKey: emulator.apiKey, timeoutMs: 5_000 });
  });

  after(async () => {
    await client.close();
    await emulator.close();
  });

  test('reports the Plus tier and runs several named sessions', async () => {
    assert.equal((await client.serverVersion()).tier, 'PLUS');
    await working('alpha', '12025550001');
    await working('beta', '12025550002');
    const names = (await client.listSessions()).map((session) => session.name).sort();
    assert.deepEqual(names, ['alpha', 'beta']);
    assert.equal((await client.getMe('beta'))?.id, '12025550002@c.us');
  });

  test('sends images, files and videos and returns their ids', async () => {
    const file = { mimetype: 'image/png', filename: 'a.png', data: 'iVBORw0KGgo=' };
    const sends = [
      await client.sendImage({ session: 'alpha', chatId: CHAT, file, caption: 'image' }),
      await client.sendFile({ session: 'alpha', chatId: CHAT, file, caption: 'file' }),
      await client.sendVideo({
        session: 'alpha',
        chatId: CHAT,
        file: { mimetype: 'video/mp4', url: 'http://127.0.0.1:9/v.mp4' },
        caption: 'video',
        asNote: false,
        convert: true,
      }),
    ];
    const accepted = emulator.messages();
    for (const [index, kind] of ['image', 'file', 'video'].entries()) {
      const message = accepted.find((candidate) => candidate.caption === kind);
      assert.equal(message?.kind, kind);
      assert.equal(sends[index]?.id, message?.id);
    }
  });

  test('a 500 from a send is SERVER_ERROR, retryable, and nothing was accepted', async () => {
    emulator.setFaults({ clear: true, errorRate5xx: 1 });
    const before = emulator.messages().length;
    const error = await failure(client.sendText({ session: 'alpha', chatId: CHAT, text: 'x' }));
    assert.equal(error.code, 'SERVER_ERROR');
    assert.equal(error.status, 500);
    assert.equal(error.retryable, true);
    assert.equal(error.ambiguous, false);
    assert.equal(emulator.messages().length, before);
  });

  test('a send accepted but never answered is TIMEOUT and ambiguous', async () => {
    emulator.setFaults({ clear: true, timeoutRate: 1 });
    const error = await failure(
      client.sendText({ session: 'alpha', chatId: CHAT, text: 'held' }, { timeoutMs: 300 }),
    );
    assert.equal(error.code, 'TIMEOUT');
    assert.equal(error.ambiguous, true);
    assert.ok(emulator.messages().some((message) => message.text === 'held'));
  });

  test('a send whose socket is destroyed is CONNECTION_RESET and ambiguous', async () => {
    emulator.setFaults({ clear: true, resetRate: 1 });
    const error = await failure(client.sendText({ session: 'alpha', chatId: CHAT, text: 'reset' }));
    assert.equal(error.code, 'CONNECTION_RESET');
    assert.equal(error.retryable, true);
    assert.equal(error.ambiguous, true);
    assert.equal(emulator.messages().filter((message) => message.text === 'reset').length, 1);
    emulator.setFaults({ clear: true });
  });

  test('an offline worker refuses connections, and the pool reconnects when it is back', async () => {
    await emulator.goOffline();
    const error = await failure(client.sendText({ session: 'alpha', chatId: CHAT, text: 'off' }));
    assert.equal(error.code, 'CONNECTION_REFUSED');
    assert.equal(error.retryable, true);
    assert.equal(error.ambiguous, false);
    await emulator.goOnline();
    const sent = await client.sendText({ session: 'alpha', chatId: CHAT, text: 'on' });
    assert.ok(sent.id);
  });

  test('a dropped session reports FAILED on a send', async () => {
    emulator.setFaults({ dropSession: 'beta' });
    const error = await failure(client.sendText({ session: 'beta', chatId: CHAT, text: 'x' }));
    assert.equal(error.code, 'SESSION_STATUS');
    assert.equal(error.sessionStatus, 'FAILED');
    assert.equal(await client.getMe('beta'), null);
  });
});
