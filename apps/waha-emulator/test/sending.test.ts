import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { EmulatorEngine, RunningEmulator } from '../src/index.ts';
import { call, type Json, startTestEmulator, startWorkingSession } from './support.ts';

const NOT_EXPECTED = 'Session status is not as expected. Try again later or restart the session';
const PLUS_ONLY =
  "The feature is available only in Plus version for 'NOWEB' engine. Check this out: https://waha.devlike.pro/";

describe('sending on Core', () => {
  let emulator: RunningEmulator;
  before(async () => {
    emulator = await startTestEmulator({ tier: 'CORE' });
  });
  beforeEach(() => emulator.reset());
  after(() => emulator.close());

  it('answers 422 Session name is required when the body has no session', async () => {
    const answer = await call(emulator, 'POST', '/api/sendText', { chatId: '1', text: 'hi' });
    assert.deepEqual([answer.status, answer.body], [422, { error: 'Session name is required' }]);
  });

  it('waits, then answers the STOPPED status body for a stopped session', async () => {
    const started = Date.now();
    const answer = await call(emulator, 'POST', '/api/sendText', {
      session: 'default',
      chatId: '1',
      text: 'hi',
    });
    assert.ok(Date.now() - started >= 40, 'waited for the session to run');
    assert.equal(answer.status, 422);
    assert.deepEqual(answer.body, {
      error: NOT_EXPECTED,
      session: 'default',
      status: 'STOPPED',
      expected: ['WORKING'],
    });
  });

  it('answers "does not exist" once default is deleted', async () => {
    await call(emulator, 'DELETE', '/api/sessions/default');
    const answer = await call(emulator, 'POST', '/api/sendText', {
      session: 'default',
      chatId: '1',
    });
    assert.deepEqual(answer.body, {
      error: 'Session "default" does not exist',
      session: 'default',
    });
  });

  it('waits for WORKING, then answers the status body with the current status', async () => {
    await call(emulator, 'POST', '/api/sessions/default/start');
    const answer = await call(emulator, 'POST', '/api/sendText', {
      session: 'default',
      chatId: '1',
      text: 'hi',
    });
    assert.deepEqual(answer.body, {
      error: NOT_EXPECTED,
      session: 'default',
      status: 'SCAN_QR_CODE',
      expected: ['WORKING'],
    });
  });

  it('refuses media with the Plus-only 422 and video with 501', async () => {
    await startWorkingSession(emulator);
    const file = { mimetype: 'image/png', url: 'http://127.0.0.1/x.png' };
    for (const route of ['sendImage', 'sendFile', 'sendVoice']) {
      const answer = await call(emulator, 'POST', `/api/${route}`, {
        session: 'default',
        chatId: '1',
        file,
      });
      assert.equal(answer.status, 422, route);
      assert.deepEqual(answer.body, {
        statusCode: 422,
        message: PLUS_ONLY,
        error: 'Unprocessable Entity',
      });
    }
    const video = await call(emulator, 'POST', '/api/sendVideo', {
      session: 'default',
      chatId: '1',
      file,
    });
    assert.equal(video.status, 501);
    assert.deepEqual(video.body, {
      statusCode: 501,
      message:
        "The method is not implemented by 'NOWEB' engine. Check the docs and try another engine: https://waha.devlike.pro/",
      error: 'Not Implemented',
    });
    assert.deepEqual(emulator.messages(), []);
  });

  it('accepts text with 201, appends @c.us to bare digits and records the message', async () => {
    await startWorkingSession(emulator);
    const answer = await call(emulator, 'POST', '/api/sendText', {
      session: 'default',
      chatId: '4915112345678',
      text: 'hello',
    });
    assert.equal(answer.status, 201);
    assert.equal(answer.body.key.remoteJid, '4915112345678@s.whatsapp.net');
    assert.equal(answer.body.key.fromMe, true);
    assert.equal(answer.body.status, 'PENDING');
    assert.deepEqual(answer.body.message, { extendedTextMessage: { text: 'hello' } });
    assert.equal(typeof answer.body.messageTimestamp, 'number');
    const [message] = emulator.messages();
    assert.ok(message);
    assert.equal(message.id, `true_4915112345678@c.us_${answer.body.key.id}`);
    assert.equal(message.chatId, '4915112345678@c.us');
    assert.equal(message.session, 'default');
    assert.equal(message.text, 'hello');
    assert.match(message.acceptedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const viaHttp = await call(emulator, 'GET', '/_emulator/messages');
    assert.deepEqual(viaHttp.body, emulator.messages());
  });

  it('marks activity and presence once the session sends', async () => {
    await startWorkingSession(emulator);
    await call(emulator, 'POST', '/api/startTyping', { session: 'default', chatId: '1' });
    const info = await call(emulator, 'GET', '/api/sessions/default');
    assert.equal(info.body.presence, 'online');
    assert.equal(typeof info.body.timestamps.activity, 'number');
  });

  it('checks numbers, answers typing with result true and validates presence', async () => {
    await startWorkingSession(emulator);
    const exists = await call(
      emulator,
      'GET',
      '/api/contacts/check-exists?phone=%2B15550009999&session=default',
    );
    assert.deepEqual(exists.body, { numberExists: true, chatId: '15550009999@c.us' });
    const old = await call(
      emulator,
      'GET',
      '/api/checkNumberStatus?phone=15550009999&session=default',
    );
    assert.deepEqual(old.body, exists.body);
    for (const route of ['startTyping', 'stopTyping']) {
      const answer = await call(emulator, 'POST', `/api/${route}`, {
        session: 'default',
        chatId: '1@c.us',
      });
      assert.deepEqual([answer.status, answer.body], [201, { result: true }]);
    }
    const online = await call(emulator, 'POST', '/api/default/presence', {
      presence: 'online',
      chatId: '1',
    });
    assert.deepEqual(
      [online.status, online.body],
      [
        400,
        {
          detail: "'online' presence works on the global scope and doesn't require 'chatId' field.",
        },
      ],
    );
    const typing = await call(emulator, 'POST', '/api/default/presence', { presence: 'typing' });
    assert.deepEqual(typing.body, { detail: "'typing' presence requires 'chatId' field." });
    const offline = await call(emulator, 'POST', '/api/default/presence', { presence: 'offline' });
    assert.equal(offline.status, 201);
    const seen = await call(emulator, 'POST', '/api/sendSeen', { session: 'default', chatId: '1' });
    assert.deepEqual([seen.status, seen.body], [201, { ids: [] }]);
  });

  it('answers a missing chatId with WAHA 500 body', async () => {
    await startWorkingSession(emulator);
    const answer = await call(emulator, 'POST', '/api/sendText', { session: 'default', text: 'x' });
    assert.equal(answer.status, 500);
    assert.equal(answer.body.statusCode, 500);
    assert.equal(answer.body.exception.name, 'TypeError');
    assert.equal(answer.body.request.path, '/api/sendText');
    assert.equal(answer.body.version.version, '2025.12.3');
  });
});

describe('send bodies per engine on Plus', () => {
  const shapes: [EmulatorEngine, (body: Json, chat: string) => string][] = [
    [
      'NOWEB',
      (body, chat) => {
        assert.deepEqual(Object.keys(body).sort(), [
          'key',
          'message',
          'messageTimestamp',
          'status',
        ]);
        return `true_${chat}_${body.key.id}`;
      },
    ],
    [
      'WEBJS',
      (body, chat) => {
        assert.equal(body.id.fromMe, true);
        assert.equal(body.id.remote, chat);
        assert.equal(body.to, chat);
        assert.equal(body.from, '15550001111@c.us');
        assert.equal(typeof body.ack, 'number');
        assert.equal(typeof body.timestamp, 'number');
        assert.equal(body.id._serialized, `true_${chat}_${body.id.id}`);
        return body.id._serialized;
      },
    ],
    [
      'GOWS',
      (body, chat) => {
        assert.equal(typeof body.id, 'string');
        assert.ok(body._data);
        assert.ok(body.id.startsWith(`true_${chat}_`));
        return body.id;
      },
    ],
  ];

  for (const [engine, check] of shapes) {
    it(`answers ${engine} sends with the ${engine} message object`, async () => {
      const emulator = await startTestEmulator({ tier: 'PLUS', engine });
      try {
        await startWorkingSession(emulator, 'shape');
        const text = await call(emulator, 'POST', '/api/sendText', {
          session: 'shape',
          chatId: '4470000000@c.us',
          text: 'hi',
        });
        assert.equal(text.status, 201);
        assert.equal(check(text.body, '4470000000@c.us'), emulator.messages()[0]?.id);
        const image = await call(emulator, 'POST', '/api/sendImage', {
          session: 'shape',
          chatId: '4470000000',
          caption: 'look',
          file: { mimetype: 'image/jpeg', data: 'aGVsbG8=' },
        });
        assert.equal(image.status, 201);
        const recorded = emulator.messages()[1];
        assert.deepEqual(
          [recorded?.kind, recorded?.caption, recorded?.file],
          ['image', 'look', { mimetype: 'image/jpeg', dataBytes: 8 }],
        );
        const missing = await call(
          emulator,
          'GET',
          '/api/contacts/check-exists?phone=1&session=shape',
        );
        assert.equal(missing.body.numberExists, true);
      } finally {
        await emulator.close();
      }
    });
  }
});
