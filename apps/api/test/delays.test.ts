import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestGateway, TEST_ADMIN_KEY, type TestGateway } from './support/gateway.ts';
import { type CallResult, call } from './support/http.ts';

let gw: TestGateway;
before(async () => {
  gw = await startTestGateway({ MESSAGE_DELAY: '2', SENDER_SWITCH_DELAY: '5' });
});
after(() => gw.close());

const admin = (method: string, path: string, body?: unknown) =>
  call(method, `${gw.url}${path}`, { headers: gw.adminHeaders, body });

async function expectError(res: CallResult, status: number, code: string) {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body.error.code, code);
}

const storedGlobal = () =>
  gw.db
    .selectFrom('delay_settings')
    .select(['message_delay', 'sender_switch_delay'])
    .executeTakeFirstOrThrow();

describe('the delay endpoints are admin-only', () => {
  for (const [method, path] of [
    ['GET', '/api/admin/delays'],
    ['POST', '/api/admin/delays?message_delay=1'],
    ['GET', '/api/admin/user-delays?sender_number=21620111111'],
    ['POST', '/api/admin/user-delays?sender_number=21620111111&message_delay=1'],
  ] as const) {
    test(`${method} ${path.split('?')[0]} needs a key (401) and refuses a wrong one (403)`, async () => {
      await expectError(await call(method, `${gw.url}${path}`), 401, 'ADMIN_KEY_REQUIRED');
      for (const header of ['X-Admin-Token', 'X-Admin-API-Key']) {
        const wrong = await call(method, `${gw.url}${path}`, {
          headers: { [header]: 'wrong-key-0123456789' },
        });
        await expectError(wrong, 403, 'ADMIN_KEY_INVALID');
      }
    });
  }

  test('accepts the key in either header', async () => {
    for (const header of ['X-Admin-Token', 'X-Admin-API-Key']) {
      const res = await call('GET', `${gw.url}/api/admin/delays`, {
        headers: { [header]: TEST_ADMIN_KEY },
      });
      assert.equal(res.status, 200);
    }
  });
});

describe('global delays', () => {
  test('start from the configured values', async () => {
    const res = await admin('GET', '/api/admin/delays');
    assert.equal(res.body.MESSAGE_DELAY, 2);
    assert.equal(res.body.SENDER_SWITCH_DELAY, 5);
    assert.ok(!Number.isNaN(Date.parse(res.body.updated_at)));
  });

  test('change from a JSON body, one at a time, and persist', async () => {
    const res = await admin('POST', '/api/admin/delays', { MESSAGE_DELAY: 1.5 });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual([res.body.MESSAGE_DELAY, res.body.SENDER_SWITCH_DELAY], [1.5, 5]);
    assert.deepEqual(await storedGlobal(), { message_delay: 1.5, sender_switch_delay: 5 });
    const read = await admin('GET', '/api/admin/delays');
    assert.deepEqual([read.body.MESSAGE_DELAY, read.body.SENDER_SWITCH_DELAY], [1.5, 5]);
  });

  test('change from the query string the earlier clients used', async () => {
    const res = await admin('POST', '/api/admin/delays?message_delay=3&sender_switch_delay=7');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(await storedGlobal(), { message_delay: 3, sender_switch_delay: 7 });
  });

  test('accept body and query together when they agree', async () => {
    const res = await admin('POST', '/api/admin/delays?message_delay=4', {
      MESSAGE_DELAY: 4,
      SENDER_SWITCH_DELAY: 0,
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(await storedGlobal(), { message_delay: 4, sender_switch_delay: 0 });
  });

  test('refuse contradictions, empty requests and out-of-range values without changing anything', async () => {
    const before = await storedGlobal();
    await expectError(
      await admin('POST', '/api/admin/delays?message_delay=1', { MESSAGE_DELAY: 2 }),
      400,
      'CONFLICTING_DELAYS',
    );
    await expectError(await admin('POST', '/api/admin/delays', {}), 400, 'NO_DELAYS_GIVEN');
    await expectError(await admin('POST', '/api/admin/delays'), 400, 'NO_DELAYS_GIVEN');
    for (const body of [
      { MESSAGE_DELAY: -1 },
      { MESSAGE_DELAY: 3601 },
      { SENDER_SWITCH_DELAY: '2' },
      { MESSAGE_DELAY: null },
    ]) {
      await expectError(await admin('POST', '/api/admin/delays', body), 400, 'VALIDATION_FAILED');
    }
    for (const query of [
      'message_delay=abc',
      'message_delay=-1',
      'sender_switch_delay=1e3',
      'message_delay=',
    ]) {
      await expectError(
        await admin('POST', `/api/admin/delays?${query}`),
        400,
        'VALIDATION_FAILED',
      );
    }
    await expectError(
      await call('POST', `${gw.url}/api/admin/delays`, {
        headers: gw.adminHeaders,
        rawBody: '{"MESSAGE_DELAY":',
      }),
      400,
      'MALFORMED_JSON',
    );
    assert.deepEqual(await storedGlobal(), before);
  });
});

describe('per-sender delays', () => {
  const SENDER = '21620333333';
  const storedOverrides = () =>
    gw.db
      .selectFrom('senders')
      .select(['message_delay', 'sender_switch_delay'])
      .where('phone_number', '=', SENDER)
      .executeTakeFirst();

  test('an unknown sender gets the global values and no overrides', async () => {
    await admin('POST', '/api/admin/delays', { MESSAGE_DELAY: 2, SENDER_SWITCH_DELAY: 5 });
    const res = await admin('GET', `/api/admin/user-delays?sender_number=${SENDER}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body, {
      sender_number: SENDER,
      MESSAGE_DELAY: 2,
      SENDER_SWITCH_DELAY: 5,
      message_delay: null,
      sender_switch_delay: null,
      known: false,
      updated_at: null,
    });
    assert.equal(await storedOverrides(), undefined, 'reading creates no sender');
  });

  test('are set from the query string, stored on the sender row, and override the globals', async () => {
    const res = await admin(
      'POST',
      `/api/admin/user-delays?sender_number=${SENDER}&message_delay=3&sender_switch_delay=7`,
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.MESSAGE_DELAY, 3);
    assert.equal(res.body.SENDER_SWITCH_DELAY, 7);
    assert.equal(res.body.known, true);
    assert.deepEqual(await storedOverrides(), { message_delay: 3, sender_switch_delay: 7 });
    const read = await admin('GET', '/api/admin/user-delays?sender_number=%2B21620333333');
    assert.deepEqual([read.body.message_delay, read.body.sender_switch_delay], [3, 7]);
  });

  test('are changed one at a time from a JSON body and cleared with null', async () => {
    const res = await admin('POST', `/api/admin/user-delays?sender_number=20333333`, {
      sender_switch_delay: null,
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.sender_number, SENDER);
    assert.deepEqual([res.body.message_delay, res.body.sender_switch_delay], [3, null]);
    assert.deepEqual(
      [res.body.MESSAGE_DELAY, res.body.SENDER_SWITCH_DELAY],
      [3, 5],
      'the global switch delay applies',
    );
    const cleared = await admin(
      'POST',
      `/api/admin/user-delays?sender_number=${SENDER}&message_delay=null`,
    );
    assert.deepEqual([cleared.body.message_delay, cleared.body.MESSAGE_DELAY], [null, 2]);
    assert.deepEqual(await storedOverrides(), { message_delay: null, sender_switch_delay: null });
  });

  test('follow a later change of the global delays where there is no override', async () => {
    await admin('POST', `/api/admin/user-delays?sender_number=${SENDER}&message_delay=9`);
    await admin('POST', '/api/admin/delays', { SENDER_SWITCH_DELAY: 11 });
    const res = await admin('GET', `/api/admin/user-delays?sender_number=${SENDER}`);
    assert.deepEqual([res.body.MESSAGE_DELAY, res.body.SENDER_SWITCH_DELAY], [9, 11]);
  });

  test('refuse a missing or invalid sender and requests that change nothing', async () => {
    await expectError(await admin('GET', '/api/admin/user-delays'), 400, 'SENDER_NUMBER_REQUIRED');
    await expectError(
      await admin('POST', '/api/admin/user-delays?message_delay=1'),
      400,
      'SENDER_NUMBER_REQUIRED',
    );
    await expectError(
      await admin('GET', '/api/admin/user-delays?sender_number=12'),
      400,
      'INVALID_SENDER_NUMBER',
    );
    await expectError(
      await admin('POST', `/api/admin/user-delays?sender_number=${SENDER}`),
      400,
      'NO_DELAYS_GIVEN',
    );
    await expectError(
      await admin('POST', `/api/admin/user-delays?sender_number=${SENDER}&message_delay=1`, {
        message_delay: 2,
      }),
      400,
      'CONFLICTING_DELAYS',
    );
    await expectError(
      await admin('POST', `/api/admin/user-delays?sender_number=${SENDER}`, { message_delay: -2 }),
      400,
      'VALIDATION_FAILED',
    );
    await expectError(
      await admin(
        'POST',
        `/api/admin/user-delays?sender_number=${SENDER}&sender_switch_delay=4000`,
      ),
      400,
      'VALIDATION_FAILED',
    );
  });
});
