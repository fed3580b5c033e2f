import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { type Browser, type BrowserContextOptions, chromium, type Page } from 'playwright-core';

// Debian's chromium, driven by playwright-core: never a browser download.
const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A phone's screen: what every admin page must fit without sideways scrolling. */
export const PHONE: BrowserContextOptions = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
};

/** Where screenshots go: test artefacts, never committed. */
export const SCREENSHOTS = process.env.ENDPOINT_TEST_ARTIFACTS ?? join(tmpdir(), 'endpoint-screenshots');

// Evaluated in the page, as a string because the tests are compiled without the DOM's types.
const FITS_WIDTH = 'document.documentElement.scrollWidth <= window.innerWidth';

/** Debian's chromium, or undefined (test skipped) on a developer machine without it; CI must have it. */
export async function launch(t: TestContext): Promise<Browser | undefined> {
  if (!existsSync(CHROMIUM)) {
    if (process.env.CI) assert.fail(`chromium not installed at ${CHROMIUM}`);
    t.skip(`chromium not installed at ${CHROMIUM}`);
    return undefined;
  }
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
  t.after(() => browser.close());
  return browser;
}

/** Asserts the page has no horizontal scroll at its width. */
export async function assertFitsWidth(page: Page, name: string): Promise<void> {
  assert.equal(await page.evaluate(FITS_WIDTH), true, `${name} scrolls sideways at ${page.viewportSize()?.width} px`);
}

/** Keeps a screenshot of the page as `<name>.png` and checks it fits its width. */
export async function look(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  await assertFitsWidth(page, name);
}
