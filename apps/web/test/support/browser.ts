import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';

/** Debian's chromium: playwright-core drives it, no browser is downloaded. */
export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOTS = fileURLToPath(
  new URL('../../test-results/screenshots/', import.meta.url),
);
export const WIDTHS = { desktop: 1280, phone: 390 } as const;

/**
 * Whether the browser tests can run. In CI (CI=true) a missing chromium is a failure, not a
 * skip: .ci/run installs it. On a developer's machine the tests say how to get it and skip.
 */
export function chromiumMissing(): string | false {
  if (existsSync(CHROMIUM)) return false;
  const why = `${CHROMIUM} is missing: apt-get install -y chromium`;
  if (process.env.CI === 'true') throw new Error(why);
  return why;
}

export function launchChromium(): Promise<Browser> {
  // As root (CI, containers) Chromium refuses to start with its sandbox.
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
}

/** A page that records what breaks silently (script errors, CSP refusals) and what it sends. */
export interface WatchedPage {
  page: Page;
  /** Console errors and uncaught exceptions so far. */
  problems: string[];
  /** Every non-GET request to the API, as "METHOD /path". */
  writes: string[];
}

export async function openPage(browser: Browser, width: number): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport: { width, height: 900 } });
  const page = await context.newPage();
  const problems: string[] = [];
  const writes: string[] = [];
  page.on('console', (m) => {
    // A refused API call is the page's to explain in words (the tests check it does); the
    // browser logging it is not a problem of the page.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) {
      problems.push(m.text());
    }
  });
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('request', (r) => {
    const url = new URL(r.url());
    if (r.method() !== 'GET' && url.pathname.startsWith('/api/')) {
      writes.push(`${r.method()} ${url.pathname}`);
    }
  });
  return { page, problems, writes };
}

/** A full-page screenshot under test-results/screenshots, named after the page and the width. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOTS, { recursive: true });
  const width = page.viewportSize()?.width ?? 0;
  const path = `${SCREENSHOTS}${name}-${width}.png`;
  await page.screenshot({ path, fullPage: true });
  return path;
}
