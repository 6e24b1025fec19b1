import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { RunningEmulator } from '../src/index.ts';
import { API_KEY, call, startTestEmulator } from './support.ts';

const UNAUTHORIZED = { message: 'Unauthorized', statusCode: 401 };

describe('auth', () => {
  let emulator: RunningEmulator;
  before(async () => {
    emulator = await startTestEmulator();
  });
  after(() => emulator.close());

  it('answers 401 with WAHA body when the key is missing', async () => {
    const answer = await call(emulator, 'GET', '/api/sessions', undefined, { noKey: true });
    assert.equal(answer.status, 401);
    assert.deepEqual(answer.body, UNAUTHORIZED);
  });

  it('answers 401 when the header key is wrong', async () => {
    const answer = await call(emulator, 'GET', '/api/sessions', undefined, {
      headers: { 'x-api-key': 'wrong' },
    });
    assert.equal(answer.status, 401);
    assert.deepEqual(answer.body, UNAUTHORIZED);
  });

  it('accepts the key in the X-Api-Key header', async () => {
    const answer = await call(emulator, 'GET', '/api/sessions');
    assert.equal(answer.status, 200);
  });

  it('accepts the key in the x-api-key query parameter and rejects a wrong one', async () => {
    const ok = await call(emulator, 'GET', `/api/sessions?x-api-key=${API_KEY}`, undefined, {
      noKey: true,
    });
    assert.equal(ok.status, 200);
    const wrong = await call(emulator, 'GET', '/api/sessions?x-api-key=nope', undefined, {
      noKey: true,
    });
    assert.deepEqual([wrong.status, wrong.body], [401, UNAUTHORIZED]);
  });

  it('checks the key before routing, so an unknown /api route without a key is 401', async () => {
    const answer = await call(emulator, 'GET', '/api/nothing-here', undefined, { noKey: true });
    assert.equal(answer.status, 401);
  });

  it('covers /health but not /ping or the control API', async () => {
    const health = await call(emulator, 'GET', '/health', undefined, { noKey: true });
    assert.equal(health.status, 401);
    const ping = await call(emulator, 'GET', '/ping', undefined, { noKey: true });
    assert.deepEqual([ping.status, ping.body], [200, { message: 'pong' }]);
    const control = await call(emulator, 'GET', '/_emulator/sessions', undefined, { noKey: true });
    assert.equal(control.status, 200);
  });

  it('answers an unknown route with the Nest 404 body', async () => {
    const answer = await call(emulator, 'GET', '/api/nothing-here?x=1');
    assert.equal(answer.status, 404);
    assert.deepEqual(answer.body, {
      statusCode: 404,
      message: 'Cannot GET /api/nothing-here?x=1',
      error: 'Not Found',
    });
  });
});

describe('api key sources', () => {
  it('disables auth with apiKey null', async () => {
    const emulator = await startTestEmulator({ apiKey: null });
    try {
      assert.equal(emulator.apiKey, null);
      const answer = await call(emulator, 'GET', '/api/sessions', undefined, { noKey: true });
      assert.equal(answer.status, 200);
    } finally {
      await emulator.close();
    }
  });

  it('generates and exposes a random key when none is given, and for a weak one', async () => {
    const generated = await startTestEmulator({ apiKey: undefined });
    const weak = await startTestEmulator({ apiKey: 'admin' });
    try {
      for (const emulator of [generated, weak]) {
        assert.match(emulator.apiKey ?? '', /^[0-9a-f]{32}$/);
        const ok = await call(emulator, 'GET', '/api/sessions');
        assert.equal(ok.status, 200);
      }
      const admin = await call(weak, 'GET', '/api/sessions', undefined, {
        headers: { 'x-api-key': 'admin' },
      });
      assert.equal(admin.status, 401);
    } finally {
      await Promise.all([generated.close(), weak.close()]);
    }
  });

  it('accepts a sha512:<hex> key by hashing what the client sends', async () => {
    const hash = createHash('sha512').update('plain-secret').digest('hex');
    const emulator = await startTestEmulator({ apiKey: `sha512:${hash}` });
    try {
      const ok = await call(emulator, 'GET', '/api/sessions', undefined, {
        headers: { 'x-api-key': 'plain-secret' },
      });
      assert.equal(ok.status, 200);
      const hashItself = await call(emulator, 'GET', '/api/sessions', undefined, {
        headers: { 'x-api-key': `sha512:${hash}` },
      });
      assert.equal(hashItself.status, 401);
    } finally {
      await emulator.close();
    }
  });
});
