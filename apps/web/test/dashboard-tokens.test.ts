import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import {
  chromiumMissing,
  launchChromium,
  openPage,
  screenshot,
  WIDTHS,
} from './support/browser.ts';
import {
  ADMIN_KEY,
  type DashboardStack,
  EMULATOR_KEY,
  startDashboardStack,
} from './support/stack.ts';
import { connectNumber, goToPage } from './support/steps.ts';

// Where sender tokens are on (USER_AUTH=token): a new number signs in without one, connecting it
// gives one, and from then on the number signs in with it.
const skip = chromiumMissing();
const SENDER = '21620000201';
let stack: DashboardStack;
let browser: Browser;

before(async () => {
  if (skip) return;
  stack = await startDashboardStack({ USER_AUTH: 'token' });
  browser = await launchChromium();
  const [emulator] = stack.emulators;
  const added = await fetch(`${stack.url}/api/admin/workers`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-admin-api-key': ADMIN_KEY },
    body: JSON.stringify({
      name: 'waha-1',
      url: emulator?.url,
      api_key: EMULATOR_KEY,
      capacity: 1,
    }),
  });
  assert.equal(added.status, 201, await added.text());
});

after(async () => {
  await browser?.close();
  await stack?.stop();
});

test('a new number connects without a token, and is given one shown once', { skip }, async () => {
  const { page } = await openPage(browser, WIDTHS.phone);
  await page.goto(`${stack.url}/dashboard/`);
  await page.getByLabel('Phone number').fill(SENDER);
  await page.getByRole('button', { name: 'Sign in as sender' }).click();
  await page.getByRole('heading', { name: `Connect ${SENDER}` }).waitFor();
  await connectNumber(page, stack.emulators, SENDER);
  const token = await page
    .getByText(/^Your sender token/)
    .locator('code')
    .textContent();
  assert.ok(token && token.length > 20, 'the token is shown');
  await screenshot(page, 'connect-token');
  // The tab uses the token at once: its own campaigns list answers.
  await goToPage(page, 'My campaigns');
  await page.getByText('No campaign matches.').waitFor();

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByLabel('Phone number').fill(SENDER);
  await page.getByLabel('Sender token').fill('not-the-token-of-this-number');
  await page.getByRole('button', { name: 'Sign in as sender' }).click();
  await page.getByText(/The sender token is not valid/).waitFor();
  await page.getByLabel('Sender token').fill(token);
  await page.getByRole('button', { name: 'Sign in as sender' }).click();
  await page.getByText(/^CONNECTED\. The session expires/).waitFor();
  await page.context().close();
});
