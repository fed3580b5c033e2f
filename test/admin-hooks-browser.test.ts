import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { launch, look } from './helpers/browser.ts';
import { postHook } from './helpers/hooks.ts';
import { pollUntil } from './helpers/process.ts';
import { startTestServer } from './helpers/server.ts';
import { createUser, PASSWORD } from './helpers/users.ts';

/** Keeps a screenshot as `admin-hooks-<name>.png` and checks the page fits its width. */
function shoot(page: Page, name: string): Promise<void> {
  return look(page, `admin-hooks-${name}`);
}

describe('hooks in the admin, in a real browser', () => {
  it('creates a hook, sends a test delivery, replays a failed one and sees a refused call, at 390 px', async (t) => {
    const browser = await launch(t);
    if (!browser) return;
    const server = await startTestServer(t);
    await createUser(server.app, 'root', { groups: ['admin'] });
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    // Nothing the admin loads may come from another host.
    const elsewhere: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(server.url) && !request.url().startsWith('data:')) elsewhere.push(request.url());
    });
    await page.goto(`${server.url}/admin/hooks/hooks/`);
    await page.fill('input[name="username"]', 'root');
    await page.fill('input[name="password"]', PASSWORD);
    await Promise.all([page.waitForURL(`${server.url}/admin/hooks/hooks/`), page.click('button[type="submit"]')]);
    await shoot(page, 'list');

    // Create: the secret is on the answer page, once.
    await page.goto(`${server.url}/admin/hooks/hooks/add`);
    await page.getByLabel('Name').fill('billing');
    await page.getByLabel('Handler').selectOption('inbox');
    await page.getByLabel('Verify').selectOption('standard');
    await shoot(page, 'create');
    await Promise.all([page.waitForLoadState(), page.getByRole('button', { name: /create|save|add/i }).click()]);
    const secret = await page.inputValue('#revealed');
    assert.match(secret, /^whsec_/);
    await shoot(page, 'secret');
    const hook = await server.app.hooks.getHook('billing');
    await page.goto(`${server.url}/admin/hooks/hooks/${hook.id}`);
    assert.ok(!(await page.content()).includes(secret), 'the secret is not shown again');
    await shoot(page, 'detail');

    // The console: a signed sample, stored and handled.
    await page.getByRole('link', { name: /Test console/ }).click();
    await shoot(page, 'console-form');
    await page.getByRole('button', { name: 'Send a signed sample' }).click();
    await page.waitForSelector('text=Outcome');
    assert.match((await page.textContent('main')) ?? '', /202 application\/json/);
    await shoot(page, 'console');
    await page.locator('a[href^="/admin/hooks/deliveries/"]').first().click();
    await pollUntil('the delivery page shows it handled', 15_000, async () => {
      await page.reload();
      return /<dd>done<\/dd>/.test(await page.content());
    });
    await shoot(page, 'delivery');

    // A failed delivery, replayed from its page.
    const [delivery] = (await server.app.hooks.listDeliveriesPage({ hook: 'billing' }, 1)).items;
    await server.db
      .updateTable('hook_deliveries')
      .set({ status: 'failed', last_error: 'the handler gave up' })
      .where('id', '=', delivery.id)
      .execute();
    await page.goto(`${server.url}/admin/hooks/deliveries/${delivery.id}`);
    assert.match((await page.textContent('main')) ?? '', /the handler gave up/);
    await page.getByRole('link', { name: 'Replay' }).click();
    await shoot(page, 'replay-confirm');
    await page.getByRole('button', { name: /replay/i }).click();
    await page.waitForURL(`${server.url}/admin/hooks/deliveries/${delivery.id}`);
    assert.ok(['pending', 'processing', 'done'].includes((await server.app.hooks.getDelivery(delivery.id)).status));

    // Bulk replay from the search page.
    await server.db.updateTable('hook_deliveries').set({ status: 'failed' }).where('id', '=', delivery.id).execute();
    await page.goto(`${server.url}/admin/hooks/search?hook=billing&status=failed`);
    await shoot(page, 'search');
    await page.getByRole('link', { name: /Replay every failed delivery/ }).click();
    await shoot(page, 'bulk-replay');
    await page.getByRole('button', { name: 'Replay them' }).click();
    await page.waitForSelector('text=1 failed deliveries replayed.');

    // A forged call, refused, with its reason.
    await postHook(server.url, '/hooks/billing', '{"forged":true}', { 'content-type': 'application/json' });
    await server.app.hooks.flushRefusedCalls();
    await page.goto(`${server.url}/admin/hooks/refused/`);
    assert.match((await page.textContent('main')) ?? '', /missing header/);
    await shoot(page, 'refused');
    await page.locator('a[href^="/admin/hooks/refused/"]').first().click();
    assert.match((await page.textContent('main')) ?? '', /missing header/);
    await shoot(page, 'refused-call');
    assert.deepEqual(elsewhere, []);
    await context.close();
  });
});
