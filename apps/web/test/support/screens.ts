import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { openPage, screenshot, type WatchedPage } from './browser.ts';
import { goToPage, signInAsAdmin, signInAsSender } from './steps.ts';

const ADMIN_PAGES = ['Overview', 'Workers', 'Sessions', 'Campaigns', 'Settings'];

/**
 * Visits every page at one width, as the admin and as a sender, screenshotting each and checking
 * that none is wider than the window; returns the views, whose recorded problems the caller checks.
 */
export async function visitEveryPage(
  browser: Browser,
  url: string,
  width: number,
  campaignId: number,
  senderNumber: string,
): Promise<WatchedPage[]> {
  const admin = await openPage(browser, width);
  await signInAsAdmin(admin.page, url);
  for (const name of ADMIN_PAGES) {
    await goToPage(admin.page, name);
    await admin.page.waitForLoadState('networkidle');
    await capture(admin.page, `admin-${name.toLowerCase()}`, width);
  }
  await admin.page.goto(`${url}/dashboard/#/campaigns/${campaignId}`);
  await admin.page.locator('#campaign-title .badge', { hasText: 'COMPLETED' }).waitFor();
  await capture(admin.page, 'admin-campaign', width);

  const sender = await openPage(browser, width);
  await signInAsSender(sender.page, url, senderNumber);
  await capture(sender.page, 'sender-connect', width);
  await goToPage(sender.page, 'New campaign', `New campaign from ${senderNumber}`);
  await capture(sender.page, 'sender-new-campaign', width);
  await goToPage(sender.page, 'My campaigns');
  await sender.page.getByRole('link', { name: `#${campaignId}` }).waitFor();
  await capture(sender.page, 'sender-campaigns', width);
  return [admin, sender];
}

async function capture(page: Page, name: string, width: number): Promise<void> {
  // Page code runs in the browser: written as text, since these tests are typed for Node.
  const overflow = await page.evaluate<number>(
    'document.documentElement.scrollWidth - document.documentElement.clientWidth',
  );
  assert.ok(overflow <= 0, `${name} is ${overflow}px wider than a ${width}px window`);
  await screenshot(page, name);
}
