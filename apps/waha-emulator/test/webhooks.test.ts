import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import { waitFor } from '@herald/testing';
import type { RunningEmulator } from '../src/index.ts';
import { retryDelay } from '../src/webhooks.ts';
import {
  call,
  startTestEmulator,
  startWebhookReceiver,
  startWorkingSession,
  type WebhookReceiver,
} from './support.ts';

const HMAC_KEY = 'hook-secret';

describe('webhooks', () => {
  let emulator: RunningEmulator;
  let hooks: WebhookReceiver;
  before(async () => {
    hooks = await startWebhookReceiver();
    emulator = await startTestEmulator({
      tier: 'PLUS',
      // Far enough apart that the three acks never share an envelope timestamp.
      ackDelaysMs: [20, 150, 300],
      globalWebhook: { url: hooks.url, events: ['*'], hmacKey: HMAC_KEY },
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

  it('signs the raw body with HMAC-SHA512 and sends WAHA headers', async () => {
    await startWorkingSession(emulator, 'sig');
    const hook = await waitFor(() => hooks.received[0]);
    const expected = createHmac('sha512', HMAC_KEY).update(hook.raw).digest('hex');
    assert.equal(hook.headers['x-webhook-hmac'], expected);
    assert.equal(hook.headers['x-webhook-hmac-algorithm'], 'sha512');
    assert.equal(hook.headers['content-type'], 'application/json');
    assert.equal(hook.headers['user-agent'], 'WAHA/2025.12.3');
    assert.ok(hook.headers['x-webhook-request-id']);
    assert.equal(hook.headers['x-webhook-timestamp'], String(hook.body.timestamp));
  });

  it('wraps events in the WAHA envelope with metadata, engine and environment', async () => {
    await startWorkingSession(emulator, 'env', '15550001111', { metadata: { tenant: 'acme' } });
    const event = await waitFor(() => hooks.events('session.status', 'env').at(0));
    assert.match(event.id, /^evt_[0-9a-z]{26}$/);
    assert.equal(typeof event.timestamp, 'number');
    assert.equal(event.session, 'env');
    assert.deepEqual(event.metadata, { tenant: 'acme' });
    assert.equal(event.engine, 'NOWEB');
    assert.deepEqual(event.environment, {
      version: '2025.12.3',
      engine: 'NOWEB',
      tier: 'PLUS',
      browser: null,
      platform: 'linux/x64',
    });
  });

  it('emits message.any and acks 1, 2, 3 in order with the id the send returned', async () => {
    await startWorkingSession(emulator, 'acks');
    const sent = await call(emulator, 'POST', '/api/sendText', {
      session: 'acks',
      chatId: '15557770000',
      text: 'hi',
    });
    const id = `true_15557770000@c.us_${sent.body.key.id}`;
    const received = await waitFor(() => {
      const list = hooks.events('message.ack', 'acks');
      return list.length === 3 ? list : null;
    });
    // Deliveries are concurrent (as in WAHA): the emission order is in the envelope timestamps.
    const acks = [...received].sort((a, b) => a.timestamp - b.timestamp);
    assert.ok(acks[0].timestamp < acks[1].timestamp && acks[1].timestamp < acks[2].timestamp);
    assert.deepEqual(
      acks.map((e) => [e.payload.id, e.payload.ack, e.payload.ackName]),
      [
        [id, 1, 'SERVER'],
        [id, 2, 'DEVICE'],
        [id, 3, 'READ'],
      ],
    );
    assert.deepEqual(acks[0].payload, {
      id,
      from: '15550001111@c.us',
      to: '15557770000@c.us',
      participant: null,
      fromMe: true,
      ack: 1,
      ackName: 'SERVER',
    });
    const [any] = hooks.events('message.any', 'acks');
    assert.equal(any.payload.id, id);
    assert.equal(any.payload.fromMe, true);
    assert.equal(any.payload.source, 'api');
    assert.equal(any.payload.body, 'hi');
    assert.equal(any.payload.hasMedia, false);
  });

  it('emits message.any from the phone with source app through the control API', async () => {
    await startWorkingSession(emulator, 'phone');
    const answer = await call(emulator, 'POST', '/_emulator/sessions/phone/phone-message', {
      to: '15558880000',
      text: 'typed on the phone',
    });
    assert.equal(answer.status, 200);
    const event = await waitFor(() => hooks.events('message.any', 'phone')[0]);
    assert.equal(event.payload.id, answer.body.id);
    assert.equal(event.payload.fromMe, true);
    assert.equal(event.payload.source, 'app');
    assert.equal(event.payload.to, '15558880000@c.us');
    assert.deepEqual(emulator.messages(), [], 'phone messages are not API sends');
  });

  it('delivers only the events a webhook asked for', async () => {
    const only = await startWebhookReceiver();
    try {
      const config = { webhooks: [{ url: only.url, events: ['message.ack'] }] };
      await startWorkingSession(emulator, 'filter', '15550001111', config);
      await call(emulator, 'POST', '/api/sendText', { session: 'filter', chatId: '1', text: 'x' });
      await waitFor(() => only.received.length === 3);
      assert.deepEqual([...new Set(only.received.map((hook) => hook.body.event))], ['message.ack']);
    } finally {
      await only.close();
    }
  });
});

describe('webhook retries', () => {
  it('retries non-2xx answers with the same request id until one succeeds', async () => {
    const tries = new Map<string, number>();
    // Each delivery fails twice, then succeeds.
    const hooks = await startWebhookReceiver((hook) => {
      const id = String(hook.headers['x-webhook-request-id']);
      tries.set(id, (tries.get(id) ?? 0) + 1);
      return (tries.get(id) ?? 0) <= 2 ? 503 : 200;
    });
    const emulator = await startTestEmulator({
      tier: 'PLUS',
      globalWebhook: {
        url: hooks.url,
        events: ['session.status'],
        retries: { policy: 'constant', delaySeconds: 0.02, attempts: 5 },
      },
    });
    try {
      await call(emulator, 'POST', '/api/sessions', { name: 'r', start: true });
      const deliveries = await waitFor(() => {
        const list = emulator.webhookDeliveries();
        return list.some((d) => d.statusCode === 200) ? list : null;
      });
      const firstRequest = deliveries.filter((d) => d.requestId === deliveries[0]?.requestId);
      assert.deepEqual(
        firstRequest.map((d) => [d.attempt, d.statusCode]),
        [
          [1, 503],
          [2, 503],
          [3, 200],
        ],
      );
      // Every attempt of one event reached the receiver under the same request id.
      const sameId = hooks.received.filter(
        (hook) => hook.headers['x-webhook-request-id'] === firstRequest[0]?.requestId,
      );
      assert.equal(sameId.length, 3);
    } finally {
      await emulator.close();
      await hooks.close();
    }
  });

  it('gives up after the configured retries: attempts 2 means three requests', async () => {
    const hooks = await startWebhookReceiver(() => 500);
    const lines: string[] = [];
    const emulator = await startTestEmulator({
      tier: 'PLUS',
      log: (line) => lines.push(line),
      globalWebhook: {
        url: hooks.url,
        events: ['session.status'],
        retries: { policy: 'linear', delaySeconds: 0.01, attempts: 2 },
      },
    });
    try {
      await call(emulator, 'POST', '/api/sessions', { name: 'r', start: true });
      // STOPPED, STARTING and SCAN_QR_CODE: three events, each given up on once.
      await waitFor(() => lines.filter((line) => line.includes('gave up')).length === 3);
      const perRequest = new Map<string, number>();
      for (const delivery of emulator.webhookDeliveries()) {
        assert.equal(delivery.statusCode, 500);
        perRequest.set(delivery.requestId, (perRequest.get(delivery.requestId) ?? 0) + 1);
      }
      assert.deepEqual([...perRequest.values()], [3, 3, 3]);
      assert.equal(hooks.received.length, 9);
    } finally {
      await emulator.close();
      await hooks.close();
    }
  });

  it('computes constant, linear and exponential delays like axios-retry', () => {
    assert.equal(retryDelay('constant', 2000, 3), 2000);
    assert.equal(retryDelay('linear', 1000, 3), 3000);
    const exponential = retryDelay('exponential', 100, 3);
    assert.ok(exponential >= 800 && exponential <= 960);
    assert.equal(retryDelay('constant', 0, 3, 500), 500);
    assert.equal(retryDelay('constant', 100, 1, 1500), 1500);
  });
});
