import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { launch, look, PHONE } from './helpers/browser.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';
import { createUser, PASSWORD } from './helpers/users.ts';

/** A page that records every host it asks for, so the test can check nothing left the server. */
async function openPage(browser: Browser, server: TestServer, options: BrowserContextOptions) {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  const hosts = new Set<string>();
  page.on('request', (request) => hosts.add(new URL(request.url()).host));
  return { context, page, hosts, serverHost: new URL(server.url).host };
}

async function logIn(page: Page, server: TestServer, username: string, next: string): Promise<void> {
  await page.goto(`${server.url}${next}`);
  assert.equal(new URL(page.url()).pathname, '/user/login');
  assert.equal(new URL(page.url()).searchParams.get('next'), next);
  await page.fill('input[name="username"]', username);
  await page.fill('input[name="password"]', PASSWORD);
  await Promise.all([page.waitForURL(`${server.url}${next}`), page.click('main button[type="submit"]')]);
}

/** Submits the form in <main> and waits for the answer. */
async function submit(page: Page): Promise<void> {
  await Promise.all([
    page.waitForLoadState('load'),
    page.waitForNavigation(),
    page.click('main form button[type="submit"]'),
  ]);
}

async function seedUsers(server: TestServer, count: number): Promise<void> {
  const at = new Date().toISOString();
  const rows = Array.from({ length: count }, (_, i) => {
    const username = `member${String(i).padStart(2, '0')}`;
    return {
      username,
      username_key: username,
      password_hash: 'x',
      first_name: 'Member',
      last_name: String(i),
      email: `${username}@example.com`,
      active: 1,
      created_at: at,
      updated_at: at,
      last_login_at: null,
    };
  });
  await server.db.insertInto('users').values(rows).execute();
}

describe('the admin in a real browser', () => {
  it('lets an admin run users, groups and tokens on a phone, every page fitting 390 px and nothing from another host', async (t) => {
    const browser = await launch(t);
    if (!browser) return;
    const server = await startTestServer(t);
    await createUser(server.app, 'root', { groups: ['admin'] });
    await seedUsers(server, 60);
    const { page, hosts, serverHost } = await openPage(browser, server, PHONE);

    await logIn(page, server, 'root', '/admin');
    assert.match((await page.textContent('main')) ?? '', /Users/);
    await look(page, 'admin-index');

    // A group, then a permission granted to it from the checklist.
    await page.goto(`${server.url}/admin/users/groups/`);
    await look(page, 'admin-groups-list');
    await page.click('text=Add group');
    await look(page, 'admin-groups-add');
    await page.fill('#name', 'editors');
    await page.fill('#description', 'People who edit');
    await submit(page);
    assert.match((await page.textContent('main')) ?? '', /Group editors created\./);
    await look(page, 'admin-groups-detail');
    await page.click('main a:text-is("Change")');
    await look(page, 'admin-groups-edit');
    await page.check('input[name="permissions"][value="links.view"]');
    await submit(page);
    assert.match((await page.textContent('main')) ?? '', /links\.view/);
    const group = await server.app.users.getGroupByName('editors');
    assert.deepEqual(await server.app.users.groupPermissions(group.id), ['links.view']);

    // A user, then added to the group from the user's form.
    await page.goto(`${server.url}/admin/users/users/add`);
    await look(page, 'admin-users-add');
    await page.fill('#username', 'dana');
    await page.fill('#password', PASSWORD);
    await submit(page);
    assert.match((await page.textContent('main')) ?? '', /User dana created\./);
    await look(page, 'admin-users-detail');
    await page.click('main a:text-is("Change")');
    await page.check('input[name="groups"][value="editors"]');
    await look(page, 'admin-users-edit');
    await submit(page);
    assert.deepEqual((await server.app.users.getUserByUsername('dana')).groups, ['editors']);

    // A row action asks first.
    const dana = await server.app.users.getUserByUsername('dana');
    await page.click('main a:text-is("Deactivate")');
    await look(page, 'admin-users-confirm');
    assert.equal((await server.app.users.getUser(dana.id)).active, true);

    // A token, shown once on the answer and not again.
    await page.goto(`${server.url}/admin/tokens/tokens/add`);
    await look(page, 'admin-tokens-add');
    await page.fill('#name', 'deploy');
    await page.check('input[name="scopes"][value="users.view"]');
    await submit(page);
    const token = await page.inputValue('#revealed');
    assert.match(token, /^ep_/);
    await look(page, 'admin-tokens-created');
    await page.click('main a:text-is("Continue")');
    assert.ok(!(await page.content()).includes(token));
    await look(page, 'admin-tokens-detail');
    await page.goto(`${server.url}/admin/tokens/tokens/`);
    assert.ok(!(await page.content()).includes(token));
    await page.reload();
    assert.ok(!(await page.content()).includes(token));
    await look(page, 'admin-tokens-list');

    // The list pages and searches.
    await page.goto(`${server.url}/admin/users/users/?sort=username`);
    assert.match((await page.textContent('main')) ?? '', /62 users/);
    await look(page, 'admin-users-list');
    await page.click('a[rel="next"]');
    assert.match((await page.textContent('main')) ?? '', /root/);
    await look(page, 'admin-users-list-page-2');
    await page.fill('#q', 'member1');
    await Promise.all([page.waitForNavigation(), page.click('form[role="search"] button')]);
    assert.match((await page.textContent('main')) ?? '', /10 users/);
    await look(page, 'admin-users-search');

    await page.goto(`${server.url}/admin/users/groups/${group.id}/delete`);
    await look(page, 'admin-groups-delete');
    await page.goto(`${server.url}/admin/links/links/`);
    await look(page, 'admin-links-list');

    // What the admin did through these forms is on the trail, read only, under root's name.
    await page.goto(`${server.url}/admin/audit/entries/?q=permission.granted`);
    const trail = (await page.textContent('main')) ?? '';
    assert.match(trail, /root/);
    assert.match(trail, /permission\.granted/);
    assert.equal(await page.locator('a[href$="/add"]').count(), 0);
    await look(page, 'admin-audit-list');

    assert.deepEqual([...hosts], [serverHost]);
  });

  it('creates a group through the form with JavaScript off', async (t) => {
    const browser = await launch(t);
    if (!browser) return;
    const server = await startTestServer(t);
    await createUser(server.app, 'root', { groups: ['admin'] });
    const { page } = await openPage(browser, server, { javaScriptEnabled: false });
    await logIn(page, server, 'root', '/admin/users/groups/add');
    await page.fill('#name', 'nojs');
    await submit(page);
    assert.match((await page.textContent('main')) ?? '', /Group nojs created\./);
    assert.equal((await server.app.users.getGroupByName('nojs')).name, 'nojs');
  });

  it('refuses a user without admin.access with a 403 page', async (t) => {
    const browser = await launch(t);
    if (!browser) return;
    const server = await startTestServer(t);
    await createUser(server.app, 'joe', { groups: ['users'] });
    const { page } = await openPage(browser, server, PHONE);
    await logIn(page, server, 'joe', '/');
    const answer = await page.goto(`${server.url}/admin`);
    assert.equal(answer?.status(), 403);
    assert.doesNotMatch((await page.textContent('header')) ?? '', /Admin/);
    await look(page, 'admin-refused');
  });
});
