import { createHmac, randomUUID } from 'node:crypto';
import { waitFor } from '@herald/testing';
import { type RunningEmulator, startEmulator } from '@herald/waha-emulator';
import type { TestGateway } from './gateway.ts';
import { call } from './http.ts';

/** The key the test gateways sign sessions' webhooks with (WEBHOOK_HMAC_KEY). */
export const TEST_HMAC_KEY = 'test-webhook-hmac-key-0123456789';

let emulatorCount = 0;

/** A WAHA emulator tuned for tests: no start delay, short status waits, a known key. */
export function startTestEmulator(
  options: Parameters<typeof startEmulator>[0] = {},
): Promise<RunningEmulator> {
  emulatorCount += 1;
  return startEmulator({
    tier: 'PLUS',
    apiKey: `emulator-key-${process.pid}-${emulatorCount}`,
    startingDelayMs: 0,
    statusWaitMs: 300,
    ...options,
  });
}

/** Registers an emulator as a worker through the API and returns the worker DTO. */
export async function registerEmulator(
  gw: TestGateway,
  emulator: RunningEmulator,
  extra: Record<string, unknown> = {},
) {
  const res = await call('POST', `${gw.url}/api/admin/workers`, {
    headers: gw.adminHeaders,
    body: { url: emulator.url, api_key: emulator.apiKey, ...extra },
  });
  if (res.status !== 201)
    throw new Error(`registering a worker answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

/** POST /api/sessions {phone_number}, as the holder of `token` when one is given. */
export function createSession(gw: TestGateway, phone: string, token?: string) {
  return call('POST', `${gw.url}/api/sessions`, {
    body: { phone_number: phone },
    headers: token ? { Authorization: `Bearer ${token}` } : {},
  });
}

export function getSession(gw: TestGateway, phone: string) {
  return call('GET', `${gw.url}/api/sessions/${phone}`);
}

/** Waits for the stored session to reach `status` (set by webhooks or live reads). */
export function waitForStoredStatus(
  gw: TestGateway,
  phone: string,
  status: string,
  timeoutMs = 10_000,
) {
  return waitFor(
    async () => {
      const row = await gw.db
        .selectFrom('sessions')
        .selectAll()
        .where('phone_number', '=', phone)
        .executeTakeFirst();
      return row?.status === status ? row : null;
    },
    { timeoutMs, what: `session ${phone} to be ${status}` },
  );
}

/** Waits for the emulator's session to show a QR. */
export function waitForQr(emulator: RunningEmulator, session: string) {
  return waitFor(
    () => emulator.sessions().find((s) => s.name === session)?.status === 'SCAN_QR_CODE',
    { what: `${session} to show a QR` },
  );
}

/** Waits for the emulator's session to show a QR, then scans it with `scanner` (default the owner). */
export async function scanWhenReady(emulator: RunningEmulator, session: string, scanner: string) {
  await waitForQr(emulator, session);
  emulator.scan(session, scanner);
}

/** Hex HMAC-SHA512 of the body, as WAHA signs webhooks. */
export function sign(raw: string, key = TEST_HMAC_KEY): string {
  return createHmac('sha512', key).update(raw).digest('hex');
}

/** Posts a signed WAHA webhook envelope. */
export function postWebhook(
  gw: TestGateway,
  envelope: Record<string, unknown>,
  options: { path?: string; signature?: string | null } = {},
) {
  const raw = JSON.stringify({ id: `evt_${randomUUID()}`, timestamp: Date.now(), ...envelope });
  const signature = options.signature === undefined ? sign(raw) : options.signature;
  return call('POST', `${gw.url}${options.path ?? '/api/webhooks/waha'}`, {
    rawBody: raw,
    headers:
      signature === null
        ? {}
        : { 'X-Webhook-Hmac': signature, 'X-Webhook-Hmac-Algorithm': 'sha512' },
  });
}
