import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Client } from './helpers/http.ts';
import { startTestServer } from './helpers/server.ts';
import { createUser, OPERATOR, PASSWORD } from './helpers/users.ts';

const TOKEN = 'abc123def456abc123def456abc123de';

function csrfFrom(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  assert.ok(match, 'the page has a _csrf field');
  return match[1];
}

/** Opens the setup page with the right token and posts the form with the given fields. */
async function submitSetup(client: Client, form: Record<string, string>): Promise<Response> {
  const page = await client.get(`/setup?token=${TOKEN}`);
  assert.equal(page.status, 200);
  return client.request('/setup', {
    method: 'POST',
    form: { _csrf: csrfFrom(await page.text()), token: TOKEN, ...form },
  });
}

describe('first-run setup page', () => {
  it('answers 404 without the token or with a wrong one', async (t) => {
    const server = await startTestServer(t, { setupToken: TOKEN });
    const client = new Client(server.url);
    for (const path of ['/setup', '/setup?token=', `/setup?token=${TOKEN}x`, `/setup?token=${TOKEN.slice(1)}`]) {
      const response = await client.get(path);
      assert.equal(response.status, 404, path);
      assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
    }
  });

  it('answers 404 when the server was started without a setup token', async (t) => {
    const server = await startTestServer(t);
    assert.equal((await new Client(server.url).get(`/setup?token=${TOKEN}`)).status, 404);
  });

  it('shows the form with the right token while no user exists', async (t) => {
    const server = await startTestServer(t, { setupToken: TOKEN });
    const response = await new Client(server.url).get(`/setup?token=${TOKEN}`);
    assert.equal(response.status, 200);
    const html = await response.text();
    assert.match(html, /<form method="post" action="\/setup">/);
    assert.match(html, new RegExp(`name="token" value="${TOKEN}"`));
    for (const field of ['username', 'password', 'password_again', '_csrf']) {
      assert.match(html, new RegExp(`name="${field}"`), field);
    }
  });

  it('refuses a post with a wrong token with 404 and creates no one', async (t) => {
    const server = await startTestServer(t, { setupToken: TOKEN });
    const client = new Client(server.url);
    const page = await client.get(`/setup?token=${TOKEN}`);
    const response = await client.request('/setup', {
      method: 'POST',
      form: {
        _csrf: csrfFrom(await page.text()),
        token: 'wrong',
        username: 'admin',
        password: PASSWORD,
        password_again: PASSWORD,
      },
    });
    assert.equal(response.status, 404);
    assert.equal(await server.app.users.countUsers(), 0);
  });

  it('refuses a post without a CSRF token with 403 and creates no one', async (t) => {
    const server = await startTestServer(t, { setupToken: TOKEN });
    const client = new Client(server.url);
    await client.get(`/setup?token=${TOKEN}`);
    const response = await client.request('/setup', {
      method: 'POST',
      form: { token: TOKEN, username: 'admin', password: PASSWORD, password_again: PASSWORD },
    });
    assert.equal(response.status, 403);
    assert.equal(await server.app.users.countUsers(), 0);
  });

  const badForms: Array<[string, Record<string, string>, RegExp]> = [
    ['a weak password', { username: 'admin', password: 'short', password_again: 'short' }, /at least 8 characters/],
    ['a common password', { username: 'admin', password: 'password123', password_again: 'password123' }, /too common/],
    ['passwords that differ', { username: 'admin', password: PASSWORD, password_again: `${PASSWORD}!` }, /differ/],
    ['no username', { username: ' ', password: PASSWORD, password_again: PASSWORD }, /Enter a username/],
  ];
  for (const [name, form, message] of badForms) {
    it(`answers ${name} with the form, a message and 400, and creates no one`, async (t) => {
      const server = await startTestServer(t, { setupToken: TOKEN });
      const response = await submitSetup(new Client(server.url), form);
      assert.equal(response.status, 400);
      const html = await response.text();
      assert.match(html, message);
      assert.match(html, new RegExp(`name="token" value="${TOKEN}"`));
      assert.doesNotMatch(html, new RegExp(form.password.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
      assert.equal(await server.app.users.countUsers(), 0);
    });
  }

  it('creates the first admin, logs them in, and closes itself for good', async (t) => {
    const server = await startTestServer(t, { setupToken: TOKEN });
    const client = new Client(server.url);
    const response = await submitSetup(client, { username: 'admin', password: PASSWORD, password_again: PASSWORD });
    assert.equal(response.status, 303);
    assert.equal(response.headers.get('location'), '/');

    const admin = await server.app.users.getUserByUsername('admin');
    assert.deepEqual(admin.groups, ['admin']);
    assert.equal(await server.app.users.countUsers(), 1);

    const home = await client.get('/');
    assert.equal(home.status, 200);
    assert.match(await home.text(), /Hello, <strong>admin<\/strong>/);

    assert.equal((await client.get(`/setup?token=${TOKEN}`)).status, 404);
    const again = await client.request('/setup', {
      method: 'POST',
      form: {
        _csrf: csrfFrom(await (await client.get('/')).text()),
        token: TOKEN,
        username: 'second',
        password: PASSWORD,
        password_again: PASSWORD,
      },
    });
    assert.equal(again.status, 404);
    assert.equal(await server.app.users.countUsers(), 1);
  });

  it('joins an admin group that already exists', async (t) => {
    const server = await startTestServer(t, { setupToken: TOKEN });
    const group = await server.app.users.createGroup(OPERATOR, { name: 'admin', description: 'made by hand' });
    const response = await submitSetup(new Client(server.url), {
      username: 'root',
      password: PASSWORD,
      password_again: PASSWORD,
    });
    assert.equal(response.status, 303);
    assert.deepEqual((await server.app.users.getUserByUsername('root')).groups, ['admin']);
    assert.equal((await server.app.users.getGroupByName('admin')).id, group.id);
  });

  it('answers 404 with the right token once a user exists', async (t) => {
    const server = await startTestServer(t, { setupToken: TOKEN });
    await createUser(server.app, 'joe');
    assert.equal((await new Client(server.url).get(`/setup?token=${TOKEN}`)).status, 404);
  });
});
