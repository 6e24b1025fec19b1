import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { waitFor } from '@herald/testing';
import type { RunningEmulator } from '@herald/waha-emulator';
import {
  createSession,
  getSession,
  registerEmulator,
  scanWhenReady,
  startTestEmulator,
  TEST_HMAC_KEY,
  waitForStoredStatus,
} from './support/fleet.ts';
import { startTestGateway, type TestGateway } from './support/gateway.ts';

const DAY = 86_400_000;
const T0 = Date.parse('2030-03-01T08:00:00.000Z');
/** The gateway's clock: every expiry computation and recorded activity reads it. */
let clock = new Date(T0);
const at = (ms: number) => new Date(T0 + ms).toISOString();

let gw: TestGateway;
let plus: RunningEmulator;
const PHONE = '21650400001';

async function expiry() {
  const res = await getSession(gw, PHONE);
  assert.equal(res.status, 200);
  const { status, last_active, expires_at, requires_auth, expiry_warning } = res.body;
  return { status, last_active, expires_at, requires_auth, expiry_warning };
}

/** A message typed on the phone at `ms` after T0, once the gateway has recorded it. */
async function phoneMessageAt(ms: number) {
  clock = new Date(T0 + ms);
  plus.phoneMessage(PHONE, '21650499999', 'from the phone');
  await waitFor(async () => {
    const row = await gw.db
      .selectFrom('sessions')
      .select('phone_active_at')
      .where('phone_number', '=', PHONE)
      .executeTakeFirstOrThrow();
    return row.phone_active_at?.getTime() === T0 + ms;
  });
}

before(async () => {
  gw = await startTestGateway(
    { WEBHOOK_HMAC_KEY: TEST_HMAC_KEY, EXPIRY_WARNING_DAYS: '2' },
    { now: () => clock },
  );
  plus = await startTestEmulator({ tier: 'PLUS' });
  await registerEmulator(gw, plus);
  assert.equal((await createSession(gw, PHONE)).status, 201);
  await scanWhenReady(plus, PHONE, PHONE);
  await waitForStoredStatus(gw, PHONE, 'CONNECTED');
});

after(async () => {
  await gw.close();
  await plus.close();
});

test('the scan starts the phone’s 14-day clock', async () => {
  assert.deepEqual(await expiry(), {
    status: 'CONNECTED',
    last_active: at(0),
    expires_at: at(14 * DAY),
    requires_auth: false,
    expiry_warning: false,
  });
});

test('warns in the last two days before the phone’s clock runs out', async () => {
  clock = new Date(T0 + 12 * DAY - 60_000);
  assert.equal((await expiry()).expiry_warning, false);
  clock = new Date(T0 + 12 * DAY + 60_000);
  const warned = await expiry();
  assert.equal(warned.expiry_warning, true);
  assert.equal(warned.requires_auth, false);
});

test('a message typed on the phone restarts the phone’s clock', async () => {
  await phoneMessageAt(13 * DAY);
  assert.deepEqual(await expiry(), {
    status: 'CONNECTED',
    last_active: at(13 * DAY),
    expires_at: at(27 * DAY),
    requires_auth: false,
    expiry_warning: false,
  });
});

test('the linked device’s 30-day clock wins when it runs out first', async () => {
  await phoneMessageAt(20 * DAY);
  // The device has done nothing since the scan: 30 days from then is sooner than 34.
  assert.deepEqual(await expiry(), {
    status: 'CONNECTED',
    last_active: at(0),
    expires_at: at(30 * DAY),
    requires_auth: false,
    expiry_warning: false,
  });
  clock = new Date(T0 + 29 * DAY);
  assert.equal((await expiry()).expiry_warning, true);
});

test('past the estimate the session requires a new scan', async () => {
  clock = new Date(T0 + 30 * DAY + 60_000);
  const late = await expiry();
  assert.equal(late.requires_auth, true);
  assert.equal(late.expiry_warning, true);
});

test('device activity (a send or keep-alive) moves the device clock', async () => {
  // The dispatcher records its sends and keep-alives like this.
  await gw.db
    .updateTable('sessions')
    .set({ device_active_at: new Date(T0 + 30 * DAY) })
    .where('phone_number', '=', PHONE)
    .execute();
  assert.deepEqual(await expiry(), {
    status: 'CONNECTED',
    last_active: at(20 * DAY),
    expires_at: at(34 * DAY),
    requires_auth: false,
    expiry_warning: false,
  });
});
