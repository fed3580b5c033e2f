import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Client } from './helpers/http.ts';
import { csrfFrom, submitLogin } from './helpers/pages.ts';
import { startTestServer } from './helpers/server.ts';
import { createUser, OPERATOR, PASSWORD } from './helpers/users.ts';

const SESSION_COOKIE = 'endpoint_session';

async function loggedInClient(url: string, username: string): Promise<Client> {
  const client = new Client(url);
  const response = await submitLogin(client, { username, password: PASSWORD });
  assert.equal(response.status, 303);
  return client;
}

describe('login and logout pages', () => {
  it('sends an anonymous visitor of the home page to the login page, remembering where they were going', async (t) => {
    const server = await startTestServer(t);
    const response = await new Client(server.url).get('/');
    assert.equal(response.status, 303);
    assert.equal(response.headers.get('location'), '/user/login?next=%2F');
  });

  it('shows a login form posting username, password and a CSRF token, keeping next', async (t) => {
    const server = await startTestServer(t);
    const response = await new Client(server.url).get('/user/login?next=%2Fsome%2Fpage');
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
    const html = await response.text();
    assert.match(html, /<form method="post" action="\/user\/login\?next=%2Fsome%2Fpage">/);
    assert.match(html, /<input id="username" name="username"/);
    assert.match(html, /<input id="password" name="password" type="password"/);
    assert.match(html, /<input type="hidden" name="_csrf" value="[^"]+">/);
  });

  it('refuses a login post without a CSRF token with a 403 page and starts no session', async (t) => {
    const server = await startTestServer(t);
    await createUser(server.app, 'joe');
    const client = new Client(server.url);
    await client.get('/user/login');
    const response = await client.request('/user/login', {
      method: 'POST',
      form: { username: 'joe', password: PASSWORD },
    });
    assert.equal(response.status, 403);
    assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(await response.text(), /<title>Cross-site request refused/);
    assert.equal(client.cookies.has(SESSION_COOKIE), false);
  });

  it('refuses a login post whose CSRF token does not match its cookie', async (t) => {
    const server = await startTestServer(t);
    await createUser(server.app, 'joe');
    const client = new Client(server.url);
    await client.get('/user/login');
    const response = await client.request('/user/login', {
      method: 'POST',
      form: { _csrf: 'forged-token', username: 'joe', password: PASSWORD },
    });
    assert.equal(response.status, 403);
    assert.equal(client.cookies.has(SESSION_COOKIE), false);
  });

  it('answers a wrong password with the form, status 401, the username kept and no session', async (t) => {
    const server = await startTestServer(t);
    await createUser(server.app, 'joe');
    const client = new Client(server.url);
    const response = await submitLogin(client, { username: 'joe', password: 'not the password' });
    assert.equal(response.status, 401);
    const html = await response.text();
    assert.match(html, /Invalid username or password/);
    assert.match(html, /name="username" value="joe"/);
    assert.doesNotMatch(html, /not the password/);
    assert.equal(client.cookies.has(SESSION_COOKIE), false);
    assert.equal((await server.app.users.getUserByUsername('joe')).last_login_at, null);
  });

  it('answers an unknown username exactly as a wrong password', async (t) => {
    const server = await startTestServer(t);
    const response = await submitLogin(new Client(server.url), { username: 'nobody', password: PASSWORD });
    assert.equal(response.status, 401);
    assert.match(await response.text(), /Invalid username or password/);
  });

  it('answers a form with a field missing with the form and status 400', async (t) => {
    const server = await startTestServer(t);
    const client = new Client(server.url);
    const response = await submitLogin(client, { username: 'joe' });
    assert.equal(response.status, 400);
    assert.match(await response.text(), /Enter your username and password/);
    assert.equal(client.cookies.has(SESSION_COOKIE), false);
  });

  it('answers with 429 and when to try again once the account is locked out', async (t) => {
    const server = await startTestServer(t, { env: { ENDPOINT_LOGIN_MAX_FAILURES_PER_ACCOUNT: '2' } });
    await createUser(server.app, 'joe');
    const client = new Client(server.url);
    for (let attempt = 0; attempt < 2; attempt++) {
      assert.equal((await submitLogin(client, { username: 'joe', password: 'wrong password' })).status, 401);
    }
    const response = await submitLogin(client, { username: 'joe', password: PASSWORD });
    assert.equal(response.status, 429);
    assert.ok(Number(response.headers.get('retry-after')) > 0);
    assert.match(await response.text(), /too many failed logins, try again in 15 minutes/i);
    assert.equal(client.cookies.has(SESSION_COOKIE), false);
  });

  it('logs in, goes to next, and shows the greeting and the groups on the home page', async (t) => {
    const server = await startTestServer(t);
    await createUser(server.app, 'joe', { groups: ['users', 'editors'] });
    const client = new Client(server.url);
    const response = await submitLogin(client, { username: 'joe', password: PASSWORD }, '?next=%2F');
    assert.equal(response.status, 303);
    assert.equal(response.headers.get('location'), '/');
    assert.ok(client.cookies.has(SESSION_COOKIE));
    const home = await client.get('/');
    assert.equal(home.status, 200);
    const html = await home.text();
    assert.match(html, /Hello, <strong>joe<\/strong>/);
    assert.match(html, /<li>editors<\/li>/);
    assert.match(html, /<li>users<\/li>/);
  });

  for (const next of ['//evil.example', 'https://evil.example', '/\\evil.example']) {
    it(`ignores next=${next} and goes home after login`, async (t) => {
      const server = await startTestServer(t);
      await createUser(server.app, 'joe');
      const query = `?next=${encodeURIComponent(next)}`;
      const response = await submitLogin(new Client(server.url), { username: 'joe', password: PASSWORD }, query);
      assert.equal(response.status, 303);
      assert.equal(response.headers.get('location'), '/');
    });
  }

  it('sends a logged-in visitor of the login page on to next', async (t) => {
    const server = await startTestServer(t);
    await createUser(server.app, 'joe');
    const client = await loggedInClient(server.url, 'joe');
    const response = await client.get('/user/login?next=%2Flinks');
    assert.equal(response.status, 303);
    assert.equal(response.headers.get('location'), '/links');
  });

  it('asks for confirmation on GET /user/logout and keeps the session', async (t) => {
    const server = await startTestServer(t);
    await createUser(server.app, 'joe');
    const client = await loggedInClient(server.url, 'joe');
    const response = await client.get('/user/logout');
    assert.equal(response.status, 200);
    assert.match(await response.text(), /<form method="post" action="\/user\/logout">/);
    assert.equal((await client.get('/')).status, 200);
  });

  it('ends the session server-side on logout, so the old cookie no longer works', async (t) => {
    const server = await startTestServer(t);
    await createUser(server.app, 'joe');
    const client = await loggedInClient(server.url, 'joe');
    const oldSession = client.cookies.get(SESSION_COOKIE);
    assert.ok(oldSession);
    const home = await client.get('/');
    const response = await client.request('/user/logout', {
      method: 'POST',
      form: { _csrf: csrfFrom(await home.text()) },
    });
    assert.equal(response.status, 303);
    assert.equal(response.headers.get('location'), '/user/login');
    assert.equal(client.cookies.has(SESSION_COOKIE), false);

    const replay = new Client(server.url);
    replay.cookies.set(SESSION_COOKIE, oldSession);
    const after = await replay.get('/');
    assert.equal(after.status, 303);
    assert.equal(after.headers.get('location'), '/user/login?next=%2F');
  });

  it('refuses a logout post without a CSRF token and keeps the session', async (t) => {
    const server = await startTestServer(t);
    await createUser(server.app, 'joe');
    const client = await loggedInClient(server.url, 'joe');
    const response = await client.request('/user/logout', { method: 'POST', form: {} });
    assert.equal(response.status, 403);
    assert.equal((await client.get('/')).status, 200);
  });

  it('sends the CSP header and no inline script or style on every page', async (t) => {
    const server = await startTestServer(t);
    await createUser(server.app, 'joe', { groups: ['users'] });
    const anonymous = new Client(server.url);
    const joe = await loggedInClient(server.url, 'joe');
    const pages: Array<[Client, string, number]> = [
      [anonymous, '/user/login', 200],
      [anonymous, '/no/such/page', 404],
      [joe, '/', 200],
      [joe, '/user/logout', 200],
    ];
    for (const [client, path, status] of pages) {
      const response = await client.get(path);
      assert.equal(response.status, status, path);
      const csp = response.headers.get('content-security-policy') ?? '';
      assert.match(csp, /default-src 'self'/, path);
      assert.match(csp, /script-src 'self'/, path);
      const html = await response.text();
      assert.doesNotMatch(html, /<script|<style|\sstyle=|\son[a-z]+=/i, path);
    }
    const css = await anonymous.get('/static/endpoint.css');
    assert.equal(css.status, 200);
    assert.match(css.headers.get('content-type') ?? '', /^text\/css/);
  });

  it('escapes what users typed, such as a first name holding a script', async (t) => {
    const server = await startTestServer(t);
    await server.app.users.createUser(OPERATOR, {
      username: 'mallory',
      password: PASSWORD,
      first_name: '<script>alert(1)</script>',
    });
    const client = await loggedInClient(server.url, 'mallory');
    const html = await (await client.get('/')).text();
    assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.doesNotMatch(html, /<script>/);
  });
});
