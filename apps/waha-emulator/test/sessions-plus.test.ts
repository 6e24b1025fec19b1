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
  waitForStatus,
} from './support.ts';

describe('sessions on Plus', () => {
  let emulator: RunningEmulator;
  let hooks: WebhookReceiver;
  before(async () => {
    hooks = await startWebhookReceiver();
    emulator = await startTestEmulator({ tier: 'PLUS' });
  });
  beforeEach(() => {
    emulator.reset();
    hooks.received.length = 0;
  });
  after(async () => {
    await emulator.close();
    await hooks.close();
  });

  it('validates the name with the 400 body of the validation pipe', async () => {
    const bad = await call(emulator, 'POST', '/api/sessions', { name: 'no spaces!' });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body, {
      statusCode: 400,
      message: [
        'Session name can only contain alphanumeric characters, hyphens, and underscores (a-z, A-Z, 0-9, -, _) or be empty',
      ],
      error: 'Bad Request',
    });
    const long = await call(emulator, 'POST', '/api/sessions', { name: 'a'.repeat(55) });
    assert.deepEqual(long.body.message, ['name must be shorter than or equal to 54 characters']);
    const fits = await call(emulator, 'POST', '/api/sessions', { name: 'a'.repeat(54) });
    assert.equal(fits.status, 201);
  });

  it('names a session session_<ulid> when no name is sent and does not start it', async () => {
    const created = await call(emulator, 'POST', '/api/sessions', {});
    assert.equal(created.status, 201);
    assert.match(created.body.name, /^session_[0-9a-hjkmnp-tv-z]{26}$/);
    assert.equal(created.body.status, 'STOPPED');
    assert.deepEqual(created.body.engine, {});
  });

  it('answers 422 for a duplicate and keeps STOPPED sessions out of the plain list', async () => {
    await call(emulator, 'POST', '/api/sessions', { name: 'a' });
    await call(emulator, 'POST', '/api/sessions', { name: 'b', start: true });
    const duplicate = await call(emulator, 'POST', '/api/sessions', { name: 'a' });
    assert.equal(duplicate.body.message, "Session 'a' already exists. Use PUT to update it.");
    const list = await call(emulator, 'GET', '/api/sessions');
    assert.deepEqual(
      list.body.map((s: { name: string }) => s.name),
      ['b'],
    );
    assert.equal('engine' in list.body[0], false);
    const all = await call(emulator, 'GET', '/api/sessions?all=true');
    assert.deepEqual(all.body.map((s: { name: string }) => s.name).sort(), ['a', 'b']);
    const invalid = await call(emulator, 'GET', '/api/sessions?all=maybe');
    assert.deepEqual(invalid.body.message, ['all must be a boolean value']);
  });

  it('answers 404 for lifecycle routes of an unknown session, but stop is idempotent', async () => {
    for (const route of ['start', 'logout', 'restart']) {
      const answer = await call(emulator, 'POST', `/api/sessions/ghost/${route}`);
      assert.deepEqual(answer.body, {
        statusCode: 404,
        message: 'Session not found',
        error: 'Not Found',
      });
    }
    const put = await call(emulator, 'PUT', '/api/sessions/ghost', { config: {} });
    assert.equal(put.status, 404);
    const stop = await call(emulator, 'POST', '/api/sessions/ghost/stop');
    assert.deepEqual([stop.status, stop.raw.length], [201, 0]);
  });

  it('emits session.status STOPPED, STARTING, SCAN_QR_CODE, WORKING keeping the last three', async () => {
    const config = { webhooks: [{ url: hooks.url, events: ['session.status'] }] };
    await startWorkingSession(emulator, 'flow', '15550002222', config);
    const received = await waitFor(() => {
      const list = hooks.events('session.status');
      return list.length >= 4 ? list : null;
    });
    // Deliveries run concurrently, as in WAHA, so order them by what the events say.
    const events = [...received].sort(
      (a, b) => a.timestamp - b.timestamp || a.payload.statuses.length - b.payload.statuses.length,
    );
    assert.deepEqual(
      events.map((e) => e.payload.status),
      ['STOPPED', 'STARTING', 'SCAN_QR_CODE', 'WORKING'],
    );
    const last = events[3];
    assert.deepEqual(
      last.payload.statuses.map((s: { status: string }) => s.status),
      ['STARTING', 'SCAN_QR_CODE', 'WORKING'],
    );
    assert.equal(last.payload.name, 'flow');
    assert.deepEqual(last.me, { id: '15550002222@c.us', pushName: 'Emulated 15550002222' });
    assert.equal(events[2].me, null);
  });

  it('sends a single WORKING even when later events follow', async () => {
    const config = { webhooks: [{ url: hooks.url, events: ['*'] }] };
    await startWorkingSession(emulator, 'once', '15550003333', config);
    await call(emulator, 'POST', '/api/sendText', { session: 'once', chatId: '1', text: 'x' });
    await waitFor(() => hooks.events('message.ack').length === 3);
    const working = hooks.events('session.status').filter((e) => e.payload.status === 'WORKING');
    assert.equal(working.length, 1);
  });

  it('fails a session whose QR is never scanned', async () => {
    const quick = await startTestEmulator({ tier: 'PLUS', qrRotateMs: 40, qrTimeoutMs: 150 });
    try {
      await call(quick, 'POST', '/api/sessions', { name: 'idle', start: true });
      await waitForStatus(quick, 'idle', 'FAILED');
      const info = await call(quick, 'GET', '/api/sessions/idle');
      assert.deepEqual([info.body.status, info.body.me], ['FAILED', null]);
    } finally {
      await quick.close();
    }
  });

  it('restarts a running session when its config is replaced with PUT', async () => {
    await startWorkingSession(emulator, 'cfg');
    const put = await call(emulator, 'PUT', '/api/sessions/cfg', {
      config: { metadata: { tenant: 't1' } },
    });
    assert.equal(put.status, 200);
    assert.deepEqual(put.body.config, { metadata: { tenant: 't1' } });
    await waitForStatus(emulator, 'cfg', 'WORKING');
    const restarted = await call(emulator, 'POST', '/api/sessions/cfg/restart');
    assert.equal(restarted.status, 201);
    await waitForStatus(emulator, 'cfg', 'WORKING');
  });

  it('starts idempotently on Plus and deletes with an empty 200', async () => {
    await call(emulator, 'POST', '/api/sessions', { name: 'x', start: true });
    const again = await call(emulator, 'POST', '/api/sessions/x/start');
    assert.equal(again.status, 201);
    const deleted = await call(emulator, 'DELETE', '/api/sessions/x');
    assert.deepEqual([deleted.status, deleted.raw.length], [200, 0]);
    assert.equal(statusOf(emulator, 'x'), undefined);
  });

  it('reports a Terminus health body on Plus', async () => {
    const health = await call(emulator, 'GET', '/health');
    assert.equal(health.status, 200);
    assert.equal(health.body.status, 'ok');
    assert.deepEqual(health.body.error, {});
  });
});
