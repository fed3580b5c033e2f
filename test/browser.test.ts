import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Browser, BrowserContextOptions } from 'playwright-core';
import { assertFitsWidth, launch } from './helpers/browser.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';
import { createUser, PASSWORD } from './helpers/users.ts';

/** Opens the home page anonymously, logs in through the form, and checks where it lands. */
async function logInThroughTheForm(browser: Browser, server: TestServer, options: BrowserContextOptions) {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  await page.goto(`${server.url}/`);
  assert.equal(new URL(page.url()).pathname, '/user/login');
  assert.equal(new URL(page.url()).searchParams.get('next'), '/');
  await page.fill('input[name="username"]', 'joe');
  await page.fill('input[name="password"]', PASSWORD);
  await Promise.all([page.waitForURL(`${server.url}/`), page.click('button[type="submit"]')]);
  const main = await page.textContent('main');
  assert.match(main ?? '', /Hello/);
  assert.match(main ?? '', /users/);
  return { context, page };
}

describe('pages in a real browser', () => {
  it('logs in through the form and shows the home page, with JavaScript on', async (t) => {
    const browser = await launch(t);
    if (!browser) return;
    const server = await startTestServer(t);
    await createUser(server.app, 'joe', { groups: ['users'] });
    const { context } = await logInThroughTheForm(browser, server, {});
    await context.close();
  });

  it('logs in and out through the forms with JavaScript off', async (t) => {
    const browser = await launch(t);
    if (!browser) return;
    const server = await startTestServer(t);
    await createUser(server.app, 'joe', { groups: ['users'] });
    const { context, page } = await logInThroughTheForm(browser, server, { javaScriptEnabled: false });
    await Promise.all([page.waitForURL(`${server.url}/user/login`), page.click('header nav button[type="submit"]')]);
    await page.goto(`${server.url}/`);
    assert.equal(new URL(page.url()).pathname, '/user/login');
    await context.close();
  });

  it('fits a phone screen (screenshots for a person to look at)', async (t) => {
    const browser = await launch(t);
    if (!browser) return;
    const server = await startTestServer(t);
    await createUser(server.app, 'joe', { groups: ['users'] });
    const phone = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
    const context = await browser.newContext(phone);
    const page = await context.newPage();
    await page.goto(`${server.url}/user/login`);
    await page.screenshot({ path: '/tmp/endpoint-login.png', fullPage: true });
    await assertFitsWidth(page, 'the page');
    await page.fill('input[name="username"]', 'joe');
    await page.fill('input[name="password"]', PASSWORD);
    await Promise.all([page.waitForURL(`${server.url}/`), page.click('main button[type="submit"]')]);
    await page.screenshot({ path: '/tmp/endpoint-home.png', fullPage: true });
    await assertFitsWidth(page, 'the page');
    await context.close();
  });
});
