import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { waitFor } from '@herald/testing';
import type { RunningEmulator } from '../src/index.ts';
import {
  call,
  startTestEmulator,
  startWebhookReceiver,
  startWorkingSession,
  type WebhookReceiver,
  waitForStatus,
} from './support.ts';

const send = (emulator: RunningEmulator, options = {}) =>
  call(
    emulator,
    'POST',
    '/api/sendText',
    { session: 'default', chatId: '1555', text: 'x' },
    options,
  );

describe('fault switches', () => {
  let emulator: RunningEmulator;
  let hooks: WebhookReceiver;
  before(async () => {
    hooks = await startWebhookReceiver();
    emulator = await startTestEmulator({
      globalWebhook: { url: hooks.url, events: ['message.ack'] },
    });
  });
  beforeEach(async () => {
    emulator.reset();
    hooks.received.length = 0;
    await startWorkingSession(emulator);
  });
  after(async () => {
    await emulator.close();
    await hooks.close();
  });

  it('merges switches, reports them, and clears them with clear: true', async () => {
    const set = await call(
      emulator,
      'POST',
      '/_emulator/faults',
      { latencyMs: 5 },
      { noKey: true },
    );
    assert.equal(set.status, 200);
    await call(emulator, 'POST', '/_emulator/faults', { notOnWhatsApp: ['+1 555'] });
    const current = await call(emulator, 'GET', '/_emulator/faults');
    assert.deepEqual(current.body, {
      latencyMs: 5,
      latencyMsTo: {},
      errorRate5xx: 0,
      timeoutRate: 0,
      resetRate: 0,
      acceptBeforeReset: true,
      notOnWhatsApp: ['1555'],
      ackErrorTo: [],
      sendScript: [],
      frozen: false,
    });
    const cleared = await call(emulator, 'POST', '/_emulator/faults', { clear: true });
    assert.equal(cleared.body.latencyMs, 0);
    const invalid = await call(emulator, 'POST', '/_emulator/faults', { errorRate5xx: 2 });
    assert.deepEqual(
      [invalid.status, invalid.body],
      [400, { error: 'errorRate5xx must be a number between 0 and 1' }],
    );
  });

  it('a frozen worker never answers its WAHA routes, while the control API still does', async () => {
    emulator.setFaults({ frozen: true });
    const held = await fetch(`${emulator.url}/api/sessions`, {
      headers: { 'X-Api-Key': emulator.apiKey ?? '' },
      signal: AbortSignal.timeout(300),
    }).then(
      () => 'answered',
      (error: Error) => error.name,
    );
    assert.equal(held, 'TimeoutError');
    const control = await call(emulator, 'POST', '/_emulator/faults', { frozen: false });
    assert.equal(control.body.frozen, false);
    const answered = await call(emulator, 'GET', '/api/sessions');
    assert.equal(answered.status, 200);
  });

  it('adds latency before answering a send', async () => {
    emulator.setFaults({ latencyMs: 150 });
    const started = Date.now();
    const answer = await send(emulator);
    assert.equal(answer.status, 201);
    assert.ok(Date.now() - started >= 150);
  });

  it('gives a recipient its own latency, the others keep the general one', async () => {
    emulator.setFaults({ latencyMs: 0, latencyMsTo: { '+1 555': 150 } });
    assert.deepEqual(emulator.faults().latencyMsTo, { '1555': 150 });
    const started = Date.now();
    assert.equal((await send(emulator)).status, 201);
    assert.ok(Date.now() - started >= 150, 'the slow recipient waited');
    const other = await call(emulator, 'POST', '/api/sendText', {
      session: 'default',
      chatId: '1666',
      text: 'x',
    });
    assert.equal(other.status, 201);
    const invalid = await call(emulator, 'POST', '/_emulator/faults', { latencyMsTo: { '1': -1 } });
    assert.deepEqual(
      [invalid.status, invalid.body],
      [400, { error: 'latencyMsTo must be a number >= 0' }],
    );
    emulator.setFaults({ clear: true });
    assert.deepEqual(emulator.faults().latencyMsTo, {});
  });

  it('answers 500 WAHA-style without accepting the message', async () => {
    emulator.setFaults({ errorRate5xx: 1 });
    const answer = await send(emulator);
    assert.equal(answer.status, 500);
    assert.equal(answer.body.statusCode, 500);
    assert.equal(answer.body.request.method, 'POST');
    assert.deepEqual(emulator.messages(), []);
  });

  it('accepts but never answers when timing out', async () => {
    emulator.setFaults({ timeoutRate: 1 });
    await assert.rejects(send(emulator, { headersTimeout: 300 }), {
      code: 'UND_ERR_HEADERS_TIMEOUT',
    });
    assert.equal(emulator.messages().length, 1);
  });

  it('resets the socket after accepting, or before when acceptBeforeReset is false', async () => {
    emulator.setFaults({ resetRate: 1 });
    await assert.rejects(send(emulator));
    assert.equal(emulator.messages().length, 1);
    emulator.setFaults({ acceptBeforeReset: false });
    await assert.rejects(send(emulator));
    assert.equal(emulator.messages().length, 1);
  });

  it('fails exactly the next sends it was told to, to anyone or to one number, then answers again', async () => {
    const sendTo = (chatId: string) =>
      call(emulator, 'POST', '/api/sendText', { session: 'default', chatId, text: 'x' });
    const set = await call(emulator, 'POST', '/_emulator/faults', {
      failNextSends: [
        { with: 'error5xx', count: 2 },
        { with: 'reset', to: '+1 777' },
      ],
    });
    assert.deepEqual(set.body.sendScript, [
      { with: 'error5xx', count: 2 },
      { with: 'reset', count: 1, to: '1777' },
    ]);
    assert.equal((await sendTo('1555')).status, 500);
    assert.equal((await sendTo('1555')).status, 500);
    assert.equal((await sendTo('1555')).status, 201, 'the script for anyone is used up');
    await assert.rejects(sendTo('1777@c.us'), 'the one for 1777 waited for it');
    assert.equal((await sendTo('1777')).status, 201);
    assert.deepEqual(emulator.faults().sendScript, []);
    const invalid = await call(emulator, 'POST', '/_emulator/faults', {
      failNextSends: { with: 'slowly' },
    });
    assert.deepEqual(
      [invalid.status, invalid.body],
      [400, { error: 'failNextSends.with must be one of error5xx, timeout, reset' }],
    );
  });

  it('drops a session to FAILED like a phone logout', async () => {
    emulator.setFaults({ dropSession: 'default' });
    assert.deepEqual(emulator.sessions(), [{ name: 'default', status: 'FAILED', me: null }]);
    const answer = await send(emulator);
    assert.equal(answer.body.status, 'FAILED');
    const unknown = await call(emulator, 'POST', '/_emulator/faults', { dropSession: 'ghost' });
    assert.equal(unknown.status, 404);
  });

  it('reports numbers marked not on WhatsApp, and their sends never get past SERVER', async () => {
    emulator.setFaults({ notOnWhatsApp: ['15550000000'] });
    const missing = await call(
      emulator,
      'GET',
      '/api/contacts/check-exists?phone=15550000000&session=default',
    );
    assert.deepEqual(missing.body, { numberExists: false });
    const present = await call(
      emulator,
      'GET',
      '/api/contacts/check-exists?phone=15550000001&session=default',
    );
    assert.equal(present.body.numberExists, true);

    await call(emulator, 'POST', '/api/sendText', {
      session: 'default',
      chatId: '15550000000',
      text: 'a',
    });
    await call(emulator, 'POST', '/api/sendText', {
      session: 'default',
      chatId: '15550000001',
      text: 'b',
    });
    // The reachable number's READ comes last; by then the unreachable one would have had all three.
    await waitFor(() =>
      hooks
        .events('message.ack')
        .some((e) => e.payload.to === '15550000001@c.us' && e.payload.ack === 3),
    );
    const unreachable = hooks
      .events('message.ack')
      .filter((e) => e.payload.to === '15550000000@c.us');
    assert.deepEqual(
      unreachable.map((e) => e.payload.ack),
      [1],
    );
  });

  it('refuses connections while offline and keeps state when back', async () => {
    await send(emulator);
    const answer = await call(emulator, 'POST', '/_emulator/faults', { offlineForMs: 300 });
    assert.equal(answer.status, 200);
    await waitFor(
      () =>
        send(emulator).then(
          () => false,
          (error) => error.code === 'ECONNREFUSED',
        ),
      {
        what: 'connections to be refused',
      },
    );
    await waitFor(
      () =>
        send(emulator).then(
          (r) => r.status === 201,
          () => false,
        ),
      {
        what: 'the emulator to listen again',
      },
    );
    assert.equal(emulator.messages().length, 2);
    assert.equal(emulator.sessions()[0]?.status, 'WORKING');

    await emulator.goOffline();
    await assert.rejects(send(emulator), { code: 'ECONNREFUSED' });
    await emulator.goOnline();
    assert.equal((await send(emulator)).status, 201);
    assert.equal(emulator.messages().length, 3);
  });

  it('resets all state through the control API', async () => {
    await send(emulator);
    emulator.setFaults({ latencyMs: 10 });
    const reset = await call(emulator, 'POST', '/_emulator/reset');
    assert.equal(reset.status, 200);
    assert.deepEqual(emulator.messages(), []);
    assert.equal(emulator.faults().latencyMs, 0);
    assert.deepEqual(emulator.sessions(), [{ name: 'default', status: 'STOPPED', me: null }]);
  });
});

describe('server stop', () => {
  it('answers stopping, goes down, and comes back with paired sessions WORKING again', async () => {
    const emulator = await startTestEmulator({ tier: 'PLUS', restartDowntimeMs: 200 });
    try {
      await startWorkingSession(emulator, 'keep');
      const answer = await call(emulator, 'POST', '/api/server/stop', { force: false });
      assert.deepEqual([answer.status, answer.body], [201, { stopping: true }]);
      await waitFor(
        () =>
          call(emulator, 'GET', '/ping').then(
            () => false,
            (error) => error.code === 'ECONNREFUSED',
          ),
        { what: 'the worker to go down' },
      );
      await waitForStatus(emulator, 'keep', 'WORKING');
      const ping = await call(emulator, 'GET', '/ping');
      assert.equal(ping.status, 200);
    } finally {
      await emulator.close();
    }
  });
});
