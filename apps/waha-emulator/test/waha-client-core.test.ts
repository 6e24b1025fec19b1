import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { waitFor } from '@herald/testing';
import { createWahaClient, type WahaClient, WahaError } from '@herald/waha';
import { type RunningEmulator, startEmulator } from '../src/index.ts';

const PHONE = '12025550123';
const CHAT = `${PHONE}@c.us`;
const PNG_MAGIC = '89504e470d0a1a0a';

async function failure(call: Promise<unknown>): Promise<WahaError> {
  const error = await call.then(
    () => assert.fail('the call should have failed'),
    (error: unknown) => error,
  );
  assert.ok(error instanceof WahaError, `expected a WahaError, got ${String(error)}`);
  return error;
}

describe('a Core worker', () => {
  let emulator: RunningEmulator;
  let client: WahaClient;

  before(async () => {
    emulator = await startEmulator({
      tier: 'CORE',
      engine: 'NOWEB',
      apiKey: 'core-test-key-0451',
      statusWaitMs: 300,
      startingDelayMs: 20,
    });
    client = createWahaClient({ baseUrl: emulator.url, apiKey: emulator.apiKey });
  });

  after(async () => {
    await client.close();
    await emulator.close();
  });

  test('answers ping, version and status', async () => {
    await client.ping();
    const version = await client.serverVersion();
    assert.equal(version.tier, 'CORE');
    assert.equal(version.engine, 'NOWEB');
    assert.equal(typeof version.version, 'string');
    const status = await client.serverStatus();
    assert.equal(typeof status.uptime, 'number');
    assert.equal(typeof status.startTimestamp, 'number');
  });

  test('rejects a wrong or missing key as UNAUTHORIZED, not retryable', async () => {
    for (const apiKey of ['wrong-key', null]) {
      const stranger = createWahaClient({ baseUrl: emulator.url, apiKey });
      const error = await failure(stranger.listSessions());
      assert.equal(error.code, 'UNAUTHORIZED');
      assert.equal(error.retryable, false);
      // /ping is outside the key check.
      await stranger.ping();
      await stranger.close();
    }
  });

  test('creates the default session stopped, and refuses it twice and any other name', async () => {
    // Core has `default` from boot (STOPPED) until it is deleted.
    assert.equal((await client.getSession('default')).status, 'STOPPED');
    await client.deleteSession('default');
    const created = await client.createSession({
      name: 'default',
      config: { metadata: { a: '1' } },
    });
    assert.equal(created.name, 'default');
    assert.equal(created.status, 'STOPPED');
    assert.equal(created.me, null);
    assert.equal((await failure(client.createSession({ name: 'default' }))).code, 'SESSION_EXISTS');
    const other = await failure(client.createSession({ name: 'other' }));
    assert.equal(other.code, 'CORE_SESSION_NAME');
    assert.equal(other.retryable, false);
    assert.equal((await failure(client.getSession('other'))).code, 'CORE_SESSION_NAME');
  });

  test('lists stopped sessions only when asked for all', async () => {
    assert.deepEqual(await client.listSessions(), []);
    const all = await client.listSessions({ all: true });
    assert.deepEqual(
      all.map((session) => [session.name, session.status]),
      [['default', 'STOPPED']],
    );
  });

  test('updates the session config', async () => {
    const webhook = { url: 'http://127.0.0.1:9/hook', events: ['message.ack'] };
    const updated = await client.updateSession('default', {
      metadata: { campaign: 'x' },
      webhooks: [webhook],
    });
    assert.deepEqual(updated.config?.metadata, { campaign: 'x' });
    assert.deepEqual((await client.getSession('default')).config?.webhooks?.[0]?.url, webhook.url);
  });

  test('starts once, then offers a QR image, a QR value and a pairing code', async () => {
    const started = await client.startSession('default');
    assert.ok(['STARTING', 'SCAN_QR_CODE'].includes(started.status));
    assert.equal((await failure(client.startSession('default'))).code, 'SESSION_ALREADY_STARTED');
    await waitFor(async () => (await client.getSession('default')).status === 'SCAN_QR_CODE');
    const image = await client.getQrImage('default');
    assert.equal(image.mimetype, 'image/png');
    assert.equal(Buffer.from(image.data, 'base64').subarray(0, 8).toString('hex'), PNG_MAGIC);
    assert.ok((await client.getQrValue('default')).length > 10);
    assert.match(await client.requestPairingCode('default', PHONE), /^[A-Z0-9]{4}-[A-Z0-9]{4}$/);
    assert.equal(await client.getMe('default'), null);
  });

  test('waits, then reports the session status when a send comes too early', async () => {
    const error = await failure(
      client.sendText({ session: 'default', chatId: CHAT, text: 'early' }),
    );
    assert.equal(error.code, 'SESSION_STATUS');
    assert.equal(error.sessionStatus, 'SCAN_QR_CODE');
    assert.equal(error.retryable, true);
    assert.equal(error.ambiguous, false);
  });

  test('works once the phone scans, and the QR is gone', async () => {
    emulator.scan('default', PHONE);
    await waitFor(async () => (await client.getSession('default')).status === 'WORKING');
    const me = await client.getMe('default');
    assert.equal(me?.id, CHAT);
    const session = await client.getSession('default');
    assert.equal(session.me?.id, CHAT);
    assert.equal(session.engine?.engine, 'NOWEB');
    const error = await failure(client.getQrValue('default'));
    assert.equal(error.code, 'SESSION_STATUS');
    assert.equal(error.sessionStatus, 'WORKING');
  });

  test('sends text and returns the id WAHA gave the message', async () => {
    const sent = await client.sendText({ session: 'default', chatId: CHAT, text: 'hello' });
    const accepted = emulator.messages().find((message) => message.text === 'hello');
    assert.ok(accepted);
    assert.equal(sent.id, accepted.id);
    assert.match(sent.id ?? '', new RegExp(`^true_${PHONE}@c\\.us_`));
    // NOWEB answers with a Baileys key, not an id.
    assert.ok(typeof sent.raw === 'object' && sent.raw !== null && 'key' in sent.raw);
  });

  test('refuses media as Plus-only and video as not implemented', async () => {
    const file = { mimetype: 'image/png', filename: 'a.png', data: 'iVBORw0KGgo=' };
    const input = { session: 'default', chatId: CHAT, file, caption: 'c' };
    for (const call of [client.sendImage(input), client.sendFile(input)]) {
      const error = await failure(call);
      assert.equal(error.code, 'PLUS_ONLY');
      assert.equal(error.retryable, false);
      assert.equal(error.ambiguous, false);
    }
    const video = await failure(client.sendVideo({ ...input, asNote: true }));
    assert.equal(video.code, 'NOT_IMPLEMENTED');
    assert.equal(video.retryable, false);
  });

  test('checks whether a number is on WhatsApp', async () => {
    assert.deepEqual(await client.checkNumberExists({ session: 'default', phone: PHONE }), {
      numberExists: true,
      chatId: CHAT,
    });
    emulator.setFaults({ notOnWhatsApp: ['12025550199'] });
    assert.deepEqual(await client.checkNumberExists({ session: 'default', phone: '12025550199' }), {
      numberExists: false,
      chatId: null,
    });
    emulator.setFaults({ clear: true });
  });

  test('types and sets presence, refusing a chat id on a global presence', async () => {
    await client.startTyping({ session: 'default', chatId: CHAT });
    await client.stopTyping({ session: 'default', chatId: CHAT });
    await client.setPresence('default', 'online');
    await client.setPresence('default', 'typing', CHAT);
    const error = await failure(client.setPresence('default', 'offline', CHAT));
    assert.equal(error.code, 'BAD_REQUEST');
    assert.equal(error.retryable, false);
  });

  test('restarts, stops, logs out and deletes the session', async () => {
    const restarted = await client.restartSession('default');
    assert.equal(restarted.name, 'default');
    await waitFor(async () => (await client.getSession('default')).status === 'WORKING');
    assert.equal((await client.stopSession('default')).status, 'STOPPED');
    assert.equal((await client.stopSession('default')).status, 'STOPPED');
    await client.startSession('default');
    await waitFor(async () => (await client.getSession('default')).status === 'WORKING');
    const loggedOut = await client.logoutSession('default');
    assert.equal(loggedOut.me, null);
    await waitFor(async () => (await client.getSession('default')).status === 'SCAN_QR_CODE');
    await client.deleteSession('default');
    await client.deleteSession('default');
    assert.equal((await failure(client.getSession('default'))).code, 'NOT_FOUND');
  });
});
