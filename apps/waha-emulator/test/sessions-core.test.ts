import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { RunningEmulator } from '../src/index.ts';
import { call, startTestEmulator, startWorkingSession, waitForStatus } from './support.ts';

const CORE_ONLY =
  "WAHA Core support only 'default' session. You tried to access 'sales' session (base64: c2FsZXM=). " +
  'If you want to run more then one WhatsApp account - please get WAHA PLUS version. Check this out: https://waha.devlike.pro/';

describe('sessions on Core', () => {
  let emulator: RunningEmulator;
  before(async () => {
    emulator = await startTestEmulator({ tier: 'CORE' });
  });
  beforeEach(() => emulator.reset());
  after(() => emulator.close());

  it('has a STOPPED default session from boot, hidden from the list unless all=true', async () => {
    const visible = await call(emulator, 'GET', '/api/sessions');
    assert.deepEqual(visible.body, []);
    const all = await call(emulator, 'GET', '/api/sessions?all=true');
    assert.deepEqual(all.body, [
      {
        name: 'default',
        status: 'STOPPED',
        config: null,
        me: null,
        presence: null,
        timestamps: { activity: null },
      },
    ]);
  });

  it('answers 422 when creating default, which already exists', async () => {
    const answer = await call(emulator, 'POST', '/api/sessions', { name: 'default' });
    assert.equal(answer.status, 422);
    assert.deepEqual(answer.body, {
      statusCode: 422,
      message: "Session 'default' already exists. Use PUT to update it.",
      error: 'Unprocessable Entity',
    });
  });

  it('answers the Core-only 422 with the base64 name on every session route', async () => {
    const expected = { statusCode: 422, message: CORE_ONLY, error: 'Unprocessable Entity' };
    const calls = [
      call(emulator, 'POST', '/api/sessions', { name: 'sales' }),
      call(emulator, 'GET', '/api/sessions/sales'),
      call(emulator, 'POST', '/api/sessions/sales/start'),
      call(emulator, 'POST', '/api/sessions/sales/stop'),
      call(emulator, 'DELETE', '/api/sessions/sales'),
      call(emulator, 'GET', '/api/sales/auth/qr'),
      call(emulator, 'POST', '/api/sendText', { session: 'sales', chatId: '1', text: 'x' }),
      call(emulator, 'GET', '/api/contacts/check-exists?phone=1&session=sales'),
    ];
    for (const answer of await Promise.all(calls)) {
      assert.equal(answer.status, 422);
      assert.deepEqual(answer.body, expected);
    }
  });

  it('creates default again after a delete, with start false unless sent', async () => {
    const deleted = await call(emulator, 'DELETE', '/api/sessions/default');
    assert.equal(deleted.status, 200);
    assert.equal(deleted.raw.length, 0);
    const again = await call(emulator, 'DELETE', '/api/sessions/default');
    assert.equal(again.status, 200);
    const missing = await call(emulator, 'GET', '/api/sessions/default');
    assert.deepEqual(missing.body, {
      statusCode: 404,
      message: 'Session not found',
      error: 'Not Found',
    });
    const created = await call(emulator, 'POST', '/api/sessions', { name: 'default' });
    assert.equal(created.status, 201);
    assert.equal(created.body.status, 'STOPPED');
  });

  it('refuses a second start with 422 and stops idempotently', async () => {
    const first = await call(emulator, 'POST', '/api/sessions/default/start');
    assert.equal(first.status, 201);
    assert.deepEqual(first.body.engine, { engine: 'NOWEB' });
    const second = await call(emulator, 'POST', '/api/sessions/default/start');
    assert.deepEqual(
      [second.status, second.body.message],
      [422, "Session 'default' is already started."],
    );
    const stop = await call(emulator, 'POST', '/api/sessions/default/stop');
    assert.deepEqual([stop.status, stop.body.status], [201, 'STOPPED']);
    const stopAgain = await call(emulator, 'POST', '/api/sessions/default/stop');
    assert.equal(stopAgain.status, 201);
  });

  it('shows me only while WORKING and clears it when the phone logs out', async () => {
    await startWorkingSession(emulator, 'default', '15551234567');
    const working = await call(emulator, 'GET', '/api/sessions/default');
    assert.equal(working.body.status, 'WORKING');
    assert.equal(working.body.me.id, '15551234567@c.us');
    assert.equal(typeof working.body.me.pushName, 'string');
    const me = await call(emulator, 'GET', '/api/sessions/default/me');
    assert.deepEqual(me.body, working.body.me);

    emulator.logout('default');
    const failed = await call(emulator, 'GET', '/api/sessions/default');
    assert.equal(failed.body.status, 'FAILED');
    assert.equal(failed.body.me, null);
  });

  it('answers /me of a stopped session with the 404 WAHA gives', async () => {
    const answer = await call(emulator, 'GET', '/api/sessions/default/me');
    assert.equal(answer.status, 404);
    assert.equal(
      answer.body.message,
      "We didn't find a session with name 'default'.\nPlease start it first by using POST /api/sessions/default/start request",
    );
  });

  it('keeps the pairing across stop and start, and logout makes it scan again', async () => {
    await startWorkingSession(emulator);
    await call(emulator, 'POST', '/api/sessions/default/stop');
    await call(emulator, 'POST', '/api/sessions/default/start');
    await waitForStatus(emulator, 'default', 'WORKING');
    const logout = await call(emulator, 'POST', '/api/sessions/default/logout');
    assert.equal(logout.status, 201);
    await waitForStatus(emulator, 'default', 'SCAN_QR_CODE');
  });

  it('supports the deprecated start, stop and logout routes', async () => {
    const missing = await call(emulator, 'POST', '/api/sessions/start', {});
    assert.deepEqual(missing.body, {
      statusCode: 422,
      message: 'Session name is required',
      error: 'Unprocessable Entity',
    });
    const started = await call(emulator, 'POST', '/api/sessions/start', { name: 'default' });
    assert.deepEqual(
      [started.status, started.body.name, started.body.status],
      [201, 'default', 'STARTING'],
    );
    const twice = await call(emulator, 'POST', '/api/sessions/start', { name: 'default' });
    assert.equal(twice.body.message, "Session 'default' is already started.");
    const stopped = await call(emulator, 'POST', '/api/sessions/stop', { name: 'default' });
    assert.deepEqual([stopped.status, stopped.raw.length], [201, 0]);
    const loggedOut = await call(emulator, 'POST', '/api/sessions/logout', { name: 'default' });
    assert.equal(loggedOut.status, 201);
    const gone = await call(emulator, 'GET', '/api/sessions/default');
    assert.equal(gone.status, 404);
  });

  it('answers /health with the Plus-only 422 and reports version and status', async () => {
    const health = await call(emulator, 'GET', '/health');
    assert.equal(health.status, 422);
    assert.match(health.body.message, /available only in Plus version for 'NOWEB' engine/);
    const version = await call(emulator, 'GET', '/api/server/version');
    assert.deepEqual(version.body, {
      version: '2025.12.3',
      engine: 'NOWEB',
      tier: 'CORE',
      browser: null,
      platform: 'linux/x64',
      worker: { id: 'waha' },
    });
    const old = await call(emulator, 'GET', '/api/version');
    assert.deepEqual(old.body, version.body);
    const status = await call(emulator, 'GET', '/api/server/status');
    assert.equal(typeof status.body.startTimestamp, 'number');
    assert.equal(typeof status.body.uptime, 'number');
    assert.deepEqual(status.body.worker, { id: 'waha' });
  });
});
