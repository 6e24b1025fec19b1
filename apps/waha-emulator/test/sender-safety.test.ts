import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { waitFor } from '@herald/testing';
import type { RunningEmulator } from '../src/index.ts';
import {
  call,
  startTestEmulator,
  startWebhookReceiver,
  startWorkingSession,
  statusOf,
  type WebhookReceiver,
} from './support.ts';

// What sender safety needs from the emulator: replies from recipients, ERROR acks, and an account
// logged out or banned while it sends.
describe('replies, error acks and bans', () => {
  let emulator: RunningEmulator;
  let hooks: WebhookReceiver;
  before(async () => {
    hooks = await startWebhookReceiver();
    emulator = await startTestEmulator({
      tier: 'PLUS',
      ackDelaysMs: [20, 150, 300],
      globalWebhook: { url: hooks.url, events: ['*'] },
    });
  });
  beforeEach(() => {
    emulator.reset();
    hooks.received.length = 0;
  });
  after(async () => {
    await emulator.close();
    await hooks.close();
  });

  it('delivers a reply as WAHA’s message event from that chat, and as message.any', async () => {
    await startWorkingSession(emulator, 'in', '15550001111');
    const answer = await call(emulator, 'POST', '/_emulator/sessions/in/incoming-message', {
      from: '+1 555 777 0000',
      text: ' STOP ',
    });
    assert.equal(answer.status, 200);
    const event = await waitFor(() => hooks.events('message', 'in').at(0));
    assert.equal(event.me.id, '15550001111@c.us');
    const { id, timestamp, ...rest } = event.payload;
    assert.equal(id, answer.body.id);
    assert.match(id, /^false_15557770000@c\.us_3EB0[0-9A-F]{18}$/);
    assert.equal(typeof timestamp, 'number');
    assert.deepEqual(rest, {
      from: '15557770000@c.us',
      fromMe: false,
      source: 'app',
      body: ' STOP ',
      to: '15550001111@c.us',
      participant: null,
      hasMedia: false,
      media: null,
      ack: 1,
      ackName: 'SERVER',
      replyTo: null,
    });
    const any = await waitFor(() => hooks.events('message.any', 'in').at(0));
    assert.deepEqual(any.payload, event.payload);
  });

  it('refuses a reply to a session that is not WORKING or without a sender', async () => {
    await startWorkingSession(emulator, 'gone');
    const noSender = await call(emulator, 'POST', '/_emulator/sessions/gone/incoming-message', {
      text: 'hi',
    });
    assert.equal(noSender.status, 400);
    emulator.logout('gone');
    const loggedOut = await call(emulator, 'POST', '/_emulator/sessions/gone/incoming-message', {
      from: '15557770000',
      text: 'hi',
    });
    assert.equal(loggedOut.status, 409);
    const unknown = await call(emulator, 'POST', '/_emulator/sessions/nope/incoming-message', {
      from: '15557770000',
      text: 'hi',
    });
    assert.equal(unknown.status, 404);
  });

  it('acks a message to an ackErrorTo number once, with ERROR (-1)', async () => {
    await startWorkingSession(emulator, 'err');
    emulator.setFaults({ ackErrorTo: ['15557770001'] });
    const bad = await call(emulator, 'POST', '/api/sendText', {
      session: 'err',
      chatId: '15557770001',
      text: 'x',
    });
    assert.equal(bad.status, 201, 'WAHA accepts it first');
    const good = await call(emulator, 'POST', '/api/sendText', {
      session: 'err',
      chatId: '15557770002',
      text: 'y',
    });
    await waitFor(() => hooks.events('message.ack', 'err').length === 4);
    const acks = hooks.events('message.ack', 'err').map((e) => e.payload);
    const badAcks = acks.filter((a) => a.id === `true_15557770001@c.us_${bad.body.key.id}`);
    assert.deepEqual(
      badAcks.map((a) => [a.ack, a.ackName]),
      [[-1, 'ERROR']],
    );
    assert.equal(acks.filter((a) => a.id.includes(good.body.key.id)).length, 3);
  });

  it('bans an account mid-campaign: the session FAILS and later sends are refused', async () => {
    await startWorkingSession(emulator, 'ban');
    const first = await call(emulator, 'POST', '/api/sendText', {
      session: 'ban',
      chatId: '15557770003',
      text: 'x',
    });
    assert.equal(first.status, 201);
    const banned = await call(emulator, 'POST', '/_emulator/sessions/ban/ban');
    assert.equal(banned.status, 200);
    assert.equal(statusOf(emulator, 'ban'), 'FAILED');
    assert.equal(banned.body.me, null);
    const refused = await call(emulator, 'POST', '/api/sendText', {
      session: 'ban',
      chatId: '15557770004',
      text: 'y',
    });
    assert.equal(refused.status, 422);
    const status = await waitFor(() =>
      hooks.events('session.status', 'ban').find((e) => e.payload.status === 'FAILED'),
    );
    assert.equal(status.payload.name, 'ban');
  });
});
