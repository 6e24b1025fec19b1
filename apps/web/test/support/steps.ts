import assert from 'node:assert/strict';
import { waitFor } from '@herald/testing';
import type { RunningEmulator } from '@herald/waha-emulator';
import type { Page } from 'playwright-core';
import { screenshot, type WatchedPage } from './browser.ts';
import { ADMIN_KEY } from './stack.ts';

/** Steps the tests share, written as a person would do them on the page. */

export async function signInAsAdmin(page: Page, url: string): Promise<void> {
  await page.goto(`${url}/dashboard/`);
  await page.getByLabel('Admin key').fill(ADMIN_KEY);
  await page.getByRole('button', { name: 'Sign in as admin' }).click();
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
}

export async function signInAsSender(page: Page, url: string, number: string): Promise<void> {
  await page.goto(`${url}/dashboard/`);
  await page.getByLabel('Phone number').fill(number);
  await page.getByRole('button', { name: 'Sign in as sender' }).click();
  await page.getByRole('heading', { name: `Connect ${number}` }).waitFor();
}

export async function goToPage(page: Page, name: string, heading = name): Promise<void> {
  await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name }).click();
  await page.getByRole('heading', { name: heading, exact: true }).waitFor();
}

/** Fills a worker form (by its accessible name) and submits it. */
export async function fillWorkerForm(
  page: Page,
  form: string,
  values: { name: string; url: string; apiKey: string; capacity: string },
): Promise<void> {
  const f = page.getByRole('form', { name: form });
  await f.getByLabel('Worker name').fill(values.name);
  await f.getByLabel('Worker URL').fill(values.url);
  await f.getByLabel('WAHA API key').fill(values.apiKey);
  await f.getByLabel('Capacity (sessions)').fill(values.capacity);
  await f.getByRole('button').last().click();
}

/**
 * Connects the signed-in sender's number: presses Connect, waits for the QR code on the page,
 * then the phone scans it through the emulator's control API, and the page shows CONNECTED.
 */
export async function connectNumber(
  page: Page,
  emulators: RunningEmulator[],
  phone: string,
): Promise<void> {
  await page.getByRole('button', { name: 'Connect this number' }).click();
  await page.getByRole('img', { name: /QR code/ }).waitFor({ timeout: 30_000 });
  await screenshot(page, 'connect-qr');
  const worker = await waitFor(
    () =>
      emulators.find((e) =>
        e.sessions().some((s) => s.name === 'default' && s.status === 'SCAN_QR_CODE'),
      ),
    { what: 'a worker showing a QR code' },
  );
  const scan = await fetch(`${worker.url}/_emulator/sessions/default/scan`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ phone }),
  });
  assert.equal(scan.status, 200, await scan.text());
  await page.getByText(/^CONNECTED\. The session expires/).waitFor({ timeout: 30_000 });
}

/** Asserts that what the user did sent nothing to the API, and clears the record. */
export function assertNothingSent(watched: WatchedPage, what: string): void {
  assert.deepEqual(watched.writes, [], `${what} must send nothing`);
}

/** The text of a counter on the campaign page (Sent, Failed…). */
export async function counter(page: Page, name: string): Promise<string> {
  return (await page.locator(`[data-counter="${name}"]`).textContent()) ?? '';
}

/** The campaign page's status badge text, e.g. "IN PROGRESS". */
export async function campaignStatus(page: Page): Promise<string> {
  return (await page.locator('#campaign-title .badge').textContent()) ?? '';
}
