import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { renderApiTypes, SCHEMA_FILE } from '../scripts/api-types.ts';
import {
  chromiumMissing,
  launchChromium,
  openPage,
  screenshot,
  type WatchedPage,
  WIDTHS,
} from './support/browser.ts';
import { recipientsCsv } from './support/campaign-input.ts';
import {
  editDisableAndRemove,
  rejectBadCampaign,
  rejectBadSettings,
  turnPacingOff,
} from './support/forms.ts';
import { visitEveryPage } from './support/screens.ts';
import { type DashboardStack, EMULATOR_KEY, startDashboardStack } from './support/stack.ts';
import {
  assertNothingSent,
  campaignStatus,
  connectNumber,
  counter,
  fillWorkerForm,
  goToPage,
  signInAsAdmin,
  signInAsSender,
} from './support/steps.ts';

// One story on one stack, in order: the admin sets Herald up, a sender connects and sends.
const skip = chromiumMissing();
const SENDER = '21620000101';
const OTHER_SENDER = '21620000102';
let stack: DashboardStack;
let browser: Browser;
let admin: WatchedPage;
let sender: WatchedPage;
let firstCampaign = 0;

before(async () => {
  if (skip) return;
  stack = await startDashboardStack();
  browser = await launchChromium();
  admin = await openPage(browser, WIDTHS.desktop);
  sender = await openPage(browser, WIDTHS.desktop);
});

after(async () => {
  await browser?.close();
  await stack?.stop();
});

test('the gateway serves the dashboard at /dashboard under its own strict CSP', {
  skip,
}, async () => {
  const page = await fetch(`${stack.url}/dashboard/`);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /Herald dashboard/);
  const csp = page.headers.get('content-security-policy') ?? '';
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.match(csp, /style-src 'self'(;|$)/);
  assert.doesNotMatch(csp, /unsafe/);
  const bare = await fetch(`${stack.url}/dashboard`, { redirect: 'manual' });
  assert.equal(bare.headers.get('location'), '/dashboard/');
  // The API keeps its own policy.
  const api = await fetch(`${stack.url}/health`);
  assert.match(api.headers.get('content-security-policy') ?? '', /default-src 'none'/);
});

test("the dashboard's API types are those of this gateway's /openapi.json", { skip }, async () => {
  const document = (await (await fetch(`${stack.url}/openapi.json`)).json()) as Record<
    string,
    unknown
  >;
  const committed = await readFile(SCHEMA_FILE, 'utf8');
  assert.equal(
    renderApiTypes(document),
    committed,
    'generated/api-schema.ts is stale: run `pnpm --filter @herald/web api-types <gateway url>`',
  );
});

test('an admin signs in with the admin key and registers the workers', { skip }, async () => {
  const { page } = admin;
  await page.goto(`${stack.url}/dashboard/`);
  await page.getByLabel('Admin key').fill('not-the-key-at-all');
  await page.getByRole('button', { name: 'Sign in as admin' }).click();
  await page.getByText('This admin key is not valid').waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.length), 0);

  await signInAsAdmin(page, stack.url);
  assert.equal(
    await page.evaluate(() => localStorage.length),
    0,
    'the key is not kept beyond the tab',
  );
  await goToPage(page, 'Workers');
  admin.writes.length = 0;
  await page.getByRole('button', { name: 'Add worker' }).click();
  await page.getByText('Give the worker a name').waitFor();
  await page.getByText('The URL must start with http:// or https://').first().waitFor();
  await page.getByText("Enter the worker's WAHA API key").waitFor();
  assertNothingSent(admin, 'an empty worker form');

  for (const [i, emulator] of stack.emulators.entries()) {
    await fillWorkerForm(page, 'Add a worker', {
      name: `waha-${i + 1}`,
      url: emulator.url,
      apiKey: EMULATOR_KEY,
      capacity: '1',
    });
    await page.getByRole('cell', { name: new RegExp(`waha-${i + 1}`) }).waitFor();
  }
  await page
    .getByRole('cell', { name: /^healthy/ })
    .first()
    .waitFor();
  await screenshot(page, 'workers');
  await editDisableAndRemove(admin, 'waha-3');
});

test('the admin sets delays and the sender policy; bad values send nothing', { skip }, async () => {
  const { page } = admin;
  await goToPage(page, 'Settings');
  admin.writes.length = 0;
  await rejectBadSettings(page);
  assertNothingSent(admin, 'invalid settings');
  // Emulated numbers cannot be banned: no pacing, so 50 messages go out in seconds.
  await turnPacingOff(page);
  await screenshot(page, 'settings');
});

test('a sender connects a number: the QR code, a scan, then CONNECTED with its expiry', {
  skip,
}, async () => {
  const { page } = sender;
  await page.goto(`${stack.url}/dashboard/`);
  await page.getByLabel('Phone number').fill('not a number');
  await page.getByRole('button', { name: 'Sign in as sender' }).click();
  await page.getByText(/Enter your WhatsApp number with its country code/).waitFor();
  assertNothingSent(sender, 'a sender sign-in with a bad number');

  await signInAsSender(page, stack.url, SENDER);
  await connectNumber(page, stack.emulators, SENDER);
  await screenshot(page, 'connect');
});

test('a CSV of 50 recipients with a variable column goes out and reaches COMPLETED on the page', {
  skip,
}, async () => {
  const { page } = sender;
  await goToPage(page, 'New campaign', `New campaign from ${SENDER}`);
  sender.writes.length = 0;
  await rejectBadCampaign(page);
  assertNothingSent(sender, 'a campaign with bad input');

  await page.getByLabel('Media URL (optional)').fill('');
  await page.getByLabel('CSV file').setInputFiles({
    name: 'recipients.csv',
    mimeType: 'text/csv',
    buffer: recipientsCsv(50),
  });
  await page
    .getByText(
      /^50 recipients from recipients\.csv · 0 duplicates removed · 0 invalid · variables: name/,
    )
    .waitFor();
  assert.equal(
    await page.getByTestId('preview').textContent(),
    'Hello Name 1, your order is ready.',
  );
  await screenshot(page, 'new-campaign');
  await page.getByRole('button', { name: 'Send campaign' }).click();
  const created = page.getByTestId('created');
  await created.waitFor();
  assert.match(
    (await created.textContent()) ?? '',
    /50 messages, 0 duplicates removed by Herald, 0 suppressed/,
  );
  await created.getByRole('link').click();
  await page.getByRole('heading', { name: /^Campaign #\d+/ }).waitFor();
  firstCampaign = Number(
    /#(\d+)/.exec(page.url())?.[1] ?? /campaigns\/(\d+)/.exec(page.url())?.[1],
  );
  await page
    .locator('#campaign-title .badge', { hasText: 'COMPLETED' })
    .waitFor({ timeout: 120_000 });
  assert.equal(await campaignStatus(page), 'COMPLETED');
  assert.equal(await counter(page, 'sent'), '50');
  assert.equal(await page.locator('#campaign-progress').getAttribute('value'), '100');
  // The recipients follow the stream: the first row shows its message as SENT.
  const firstRow = page.getByRole('row').filter({ hasText: 'Hello Name 1, your order is ready.' });
  await firstRow.getByText('SENT', { exact: true }).waitFor();
  await screenshot(page, 'campaign');
  // The status filter asks the API for that status: every row shown is one, FAILED has none.
  const recipients = page.getByRole('region', { name: 'Recipients' });
  await recipients.getByLabel('Status').selectOption('FAILED');
  await recipients.getByText('Nothing here').waitFor();
  await recipients.getByLabel('Status').selectOption('SENT');
  await recipients.getByText('1–25').waitFor();
  const badges = await recipients.locator('tbody .badge').allTextContents();
  assert.equal(badges.length, 25);
  assert.ok(
    badges.every((b) => b === 'SENT'),
    badges.join(','),
  );
});

test('a campaign is paused and resumed from its page', { skip }, async () => {
  // The admin slows this sender down, so the campaign is still sending when it is paused.
  const settings = admin.page;
  await goToPage(settings, 'Settings');
  const delays = settings.getByRole('form', { name: 'Delays for one sender' });
  admin.writes.length = 0;
  await delays.getByRole('button', { name: 'Save sender delays' }).click();
  await delays.getByText('Enter the sender number').waitFor();
  assertNothingSent(admin, 'sender delays without a sender');
  await delays.getByLabel('Sender number').fill(SENDER);
  await delays.getByLabel('Seconds between messages').fill('2');
  await delays.getByRole('button', { name: 'Save sender delays' }).click();
  await delays.getByText('Saved.').waitFor();

  const { page } = sender;
  await goToPage(page, 'New campaign', `New campaign from ${SENDER}`);
  await page.getByLabel('Message template').fill('Second round');
  await page
    .getByLabel('Recipients')
    .fill(
      [
        '+21698100001',
        '+21698100002',
        '+21698100003',
        '+21698100004',
        '+21698100005',
        '+21698100006',
      ].join('\n'),
    );
  await page.getByText(/^6 recipients · 0 duplicates removed · 0 invalid/).waitFor();
  await page.getByRole('button', { name: 'Send campaign' }).click();
  await page.getByTestId('created').getByRole('link').click();
  await page.getByRole('heading', { name: /^Campaign #\d+/ }).waitFor();

  await page.getByRole('button', { name: 'Pause' }).click();
  await page.locator('#campaign-title .badge', { hasText: 'PAUSED' }).waitFor();
  const sentWhenPaused = Number(await counter(page, 'sent'));
  assert.ok(sentWhenPaused < 6, `paused before the end (${sentWhenPaused} sent)`);
  await screenshot(page, 'campaign-paused');
  await page.getByRole('button', { name: 'Resume' }).click();
  await page.getByRole('button', { name: 'Pause' }).waitFor();
  await page
    .locator('#campaign-title .badge', { hasText: 'COMPLETED' })
    .waitFor({ timeout: 120_000 });
  assert.equal(await counter(page, 'sent'), '6');
});

test('a sender sees only their own campaigns; the admin sees and filters all', {
  skip,
}, async () => {
  const other = await openPage(browser, WIDTHS.phone);
  await signInAsSender(other.page, stack.url, OTHER_SENDER);
  await connectNumber(other.page, stack.emulators, OTHER_SENDER);
  await goToPage(other.page, 'New campaign', `New campaign from ${OTHER_SENDER}`);
  await other.page.getByLabel('Message template').fill('From the other number');
  await other.page.getByLabel('Recipients').fill('+21698200001');
  await other.page.getByRole('button', { name: 'Send campaign' }).click();
  await other.page.getByTestId('created').waitFor();

  await goToPage(other.page, 'My campaigns');
  await other.page.getByRole('cell', { name: OTHER_SENDER }).first().waitFor();
  assert.equal(await other.page.getByRole('cell', { name: SENDER, exact: true }).count(), 0);
  await screenshot(other.page, 'my-campaigns');

  await goToPage(sender.page, 'My campaigns');
  await sender.page.getByRole('link', { name: `#${firstCampaign}` }).waitFor();
  assert.equal(await sender.page.getByRole('cell', { name: OTHER_SENDER, exact: true }).count(), 0);
  assert.equal(await sender.page.getByRole('cell', { name: SENDER, exact: true }).count(), 2);

  const { page } = admin;
  await goToPage(page, 'Campaigns');
  await page.getByRole('cell', { name: OTHER_SENDER, exact: true }).waitFor();
  await page.getByLabel('From').fill('2030-01-02');
  await page.getByLabel('To').fill('2030-01-01');
  admin.writes.length = 0;
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.getByText('The "to" date is before the "from" date').waitFor();
  await page.getByLabel('From').fill('');
  await page.getByLabel('To').fill('');
  await page.getByLabel('Sender').fill(OTHER_SENDER);
  await page.getByRole('button', { name: 'Filter' }).click();
  await page
    .getByRole('cell', { name: SENDER, exact: true })
    .first()
    .waitFor({ state: 'detached' });
  await page.getByRole('cell', { name: OTHER_SENDER, exact: true }).waitFor();
  await screenshot(page, 'campaigns');
  await other.page.context().close();
});

test('every page renders at 1280 and 390 px without a script error or CSP refusal', {
  skip,
}, async () => {
  for (const width of Object.values(WIDTHS)) {
    for (const view of await visitEveryPage(browser, stack.url, width, firstCampaign, SENDER)) {
      assert.deepEqual(view.problems, [], `${view.page.url()} at ${width}px`);
      await view.page.context().close();
    }
  }
  assert.deepEqual([...admin.problems, ...sender.problems], []);
});
