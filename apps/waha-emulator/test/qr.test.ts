import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { waitFor } from '@herald/testing';
import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';
import type { RunningEmulator } from '../src/index.ts';
import {
  call,
  startTestEmulator,
  startWebhookReceiver,
  type WebhookReceiver,
  waitForStatus,
} from './support.ts';

// jsqr is CommonJS whose types only declare `default`; at runtime both forms are the decoder.
const jsQR = jsQRModule.default;

function decodePng(data: Buffer): string | null {
  const png = PNG.sync.read(data);
  return jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data ?? null;
}

describe('QR and pairing', () => {
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

  it('serves a PNG that decodes to the raw QR value', async () => {
    await call(emulator, 'POST', '/api/sessions', { name: 'qr', start: true });
    const raw = await call(emulator, 'GET', '/api/qr/auth/qr?format=raw');
    assert.equal(raw.status, 200);
    const image = await call(emulator, 'GET', '/api/qr/auth/qr');
    assert.equal(image.status, 200);
    assert.equal(image.headers['content-type'], 'image/png');
    assert.equal(decodePng(image.raw), raw.body.value);
  });

  it('answers JSON only when Accept is exactly application/json', async () => {
    await call(emulator, 'POST', '/api/sessions', { name: 'qr', start: true });
    const asJson = await call(emulator, 'GET', '/api/qr/auth/qr?format=image', undefined, {
      headers: { accept: 'application/json' },
    });
    assert.equal(asJson.body.mimetype, 'image/png');
    const value = decodePng(Buffer.from(asJson.body.data, 'base64'));
    assert.match(value ?? '', /^2@/);
    const loose = await call(emulator, 'GET', '/api/qr/auth/qr', undefined, {
      headers: { accept: 'application/json, text/plain' },
    });
    assert.equal(loose.headers['content-type'], 'image/png');
  });

  it('rotates the QR value and emits session.status on each rotation', async () => {
    const rotating = await startTestEmulator({
      tier: 'PLUS',
      qrRotateMs: 100,
      globalWebhook: { url: hooks.url, events: ['session.status'] },
    });
    try {
      await call(rotating, 'POST', '/api/sessions', { name: 'rot', start: true });
      await waitForStatus(rotating, 'rot', 'SCAN_QR_CODE');
      const first = (await call(rotating, 'GET', '/api/rot/auth/qr?format=raw')).body.value;
      await waitFor(
        async () =>
          (await call(rotating, 'GET', '/api/rot/auth/qr?format=raw')).body.value !== first,
        { what: 'a new QR value' },
      );
      await waitFor(
        () =>
          hooks.events('session.status', 'rot').filter((e) => e.payload.status === 'SCAN_QR_CODE')
            .length >= 2,
        { what: 'a second SCAN_QR_CODE event' },
      );
    } finally {
      await rotating.close();
    }
  });

  it('answers 422 with the status body once the wait for SCAN_QR_CODE runs out', async () => {
    await call(emulator, 'POST', '/api/sessions', { name: 'done', start: true });
    await waitForStatus(emulator, 'done', 'SCAN_QR_CODE');
    emulator.scan('done', '15550004444');
    const started = Date.now();
    const answer = await call(emulator, 'GET', '/api/done/auth/qr');
    assert.ok(Date.now() - started >= 100, 'waited before failing');
    assert.equal(answer.status, 422);
    assert.deepEqual(answer.body, {
      error: 'Session status is not as expected. Try again later or restart the session',
      session: 'done',
      status: 'WORKING',
      expected: ['SCAN_QR_CODE'],
    });
  });

  it('gives a pairing code only in SCAN_QR_CODE and refuses a method on NOWEB', async () => {
    await call(emulator, 'POST', '/api/sessions', { name: 'pair', start: true });
    const code = await call(emulator, 'POST', '/api/pair/auth/request-code', {
      phoneNumber: '12132132130',
    });
    assert.equal(code.status, 201);
    assert.match(code.body.code, /^[A-Z0-9]{4}-[A-Z0-9]{4}$/);
    const method = await call(emulator, 'POST', '/api/pair/auth/request-code', {
      phoneNumber: '12132132130',
      method: 'sms',
    });
    assert.equal(method.status, 422);
    assert.equal(
      method.body.message,
      "NOWEB engine doesn't support any 'method', remove it and try again",
    );
    emulator.scan('pair', '15550005555');
    const working = await call(emulator, 'POST', '/api/pair/auth/request-code', {
      phoneNumber: '12132132130',
    });
    assert.equal(
      working.body.message,
      'Can request code only in SCAN_QR_CODE status. The current status is WORKING',
    );
  });

  it('refuses a scan of a session that shows no QR', async () => {
    await call(emulator, 'POST', '/api/sessions', { name: 'off' });
    assert.throws(() => emulator.scan('off', '1555'), /not SCAN_QR_CODE/);
    assert.throws(() => emulator.scan('ghost', '1555'), /does not exist/);
    const viaHttp = await call(emulator, 'POST', '/_emulator/sessions/off/scan', { phone: '1555' });
    assert.equal(viaHttp.status, 409);
    const unknown = await call(emulator, 'POST', '/_emulator/sessions/ghost/scan', {
      phone: '1555',
    });
    assert.equal(unknown.status, 404);
  });
});
