import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectOk, expectProblem } from './helpers/api.ts';
import { Client } from './helpers/http.ts';
import { startTestServer } from './helpers/server.ts';
import { createUser, PASSWORD } from './helpers/users.ts';

const ME = '/api/v1/users/authenticated_user';
const LOGOUT = '/api/v1/users/logout';
// The server trusts its proxy, which says the browser's request came over HTTPS.
const HTTPS = { headers: { 'x-forwarded-proto': 'https' } };
const TRUSTED_PROXY = { env: { ENDPOINT_TRUST_PROXY: 'true' } };

function csrfFrom(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  assert.ok(match, 'the page has a _csrf field');
  return match[1];
}

/** The Set-Cookie line for a cookie name, if the response has one. */
function setCookie(response: Response, name: string): string | undefined {
  return response.headers.getSetCookie().find((line) => line.startsWith(`${name}=`));
}

function assertCleared(response: Response, name: string): void {
  const line = setCookie(response, name);
  assert.ok(line, `${name} is not cleared`);
  assert.match(line, /; Expires=Thu, 01 Jan 1970/i);
}

describe('cookies over HTTPS', () => {
  it('accepts a session only from the __Host- cookie, never a plain-named one holding a valid id', async (t) => {
    const server = await startTestServer(t, TRUSTED_PROXY);
    await createUser(server.app, 'joe');
    const client = new Client(server.url);
    const login = await client.post('/api/v1/users/authenticate', { username: 'joe', password: PASSWORD }, HTTPS);
    await expectOk(login);
    const line = setCookie(login, '__Host-endpoint_session') ?? '';
    assert.match(line, /; Secure/i);
    assert.match(line, /; Path=\//i);
    assert.doesNotMatch(line, /; Domain=/i);
    const id = client.cookies.get('__Host-endpoint_session') ?? '';

    const planted = new Client(server.url);
    planted.cookies.set('endpoint_session', id);
    await expectProblem(await planted.get(ME, HTTPS), 401, 'unauthenticated');
    const home = await planted.get('/', HTTPS);
    assert.equal(home.status, 303);
    assert.equal(home.headers.get('location'), '/user/login?next=%2F');

    const genuine = new Client(server.url);
    genuine.cookies.set('__Host-endpoint_session', id);
    assert.equal((await expectOk(await genuine.get(ME, HTTPS))).username, 'joe');
  });

  it('clears the session cookie under both names at logout', async (t) => {
    const server = await startTestServer(t, TRUSTED_PROXY);
    await createUser(server.app, 'joe');
    const client = new Client(server.url);
    await expectOk(await client.post('/api/v1/users/authenticate', { username: 'joe', password: PASSWORD }, HTTPS));

    const response = await client.post(LOGOUT, undefined, HTTPS);

    assert.equal(response.status, 204);
    assertCleared(response, 'endpoint_session');
    assertCleared(response, '__Host-endpoint_session');
    assert.match(setCookie(response, '__Host-endpoint_session') ?? '', /; Secure/i);
  });

  it('keeps the CSRF secret in a __Host- cookie, renews it at login, and the login form works end to end', async (t) => {
    const server = await startTestServer(t, TRUSTED_PROXY);
    await createUser(server.app, 'joe');
    const client = new Client(server.url);

    const page = await client.get('/user/login', HTTPS);
    const csrfLine = setCookie(page, '__Host-endpoint_csrf') ?? '';
    assert.match(csrfLine, /; Path=\/; HttpOnly; Secure; SameSite=Lax$/i);
    assert.equal(setCookie(page, 'endpoint_csrf'), undefined);
    const before = client.cookies.get('__Host-endpoint_csrf');

    const login = await client.request('/user/login', {
      method: 'POST',
      form: { _csrf: csrfFrom(await page.text()), username: 'joe', password: PASSWORD },
      ...HTTPS,
    });
    assert.equal(login.status, 303);
    assertCleared(login, '__Host-endpoint_csrf');
    assert.ok(client.cookies.has('__Host-endpoint_session'));

    const logoutPage = await client.get('/user/logout', HTTPS);
    assert.equal(logoutPage.status, 200);
    const after = client.cookies.get('__Host-endpoint_csrf');
    assert.ok(before && after);
    assert.notEqual(after, before, 'the CSRF secret is renewed at login');
    const logout = await client.request('/user/logout', {
      method: 'POST',
      form: { _csrf: csrfFrom(await logoutPage.text()) },
      ...HTTPS,
    });
    assert.equal(logout.status, 303);
    assertCleared(logout, '__Host-endpoint_session');
    await expectProblem(await client.get(ME, HTTPS), 401, 'unauthenticated');
  });

  it('ignores a CSRF secret planted under the plain name, whose tokens the planter knows', async (t) => {
    const server = await startTestServer(t, TRUSTED_PROXY);
    await createUser(server.app, 'joe');
    // The planter fetches a secret and a token for it, over plain HTTP where the name is plain.
    const planter = new Client(server.url);
    const token = csrfFrom(await (await planter.get('/user/login')).text());
    const victim = new Client(server.url);
    victim.cookies.set('endpoint_csrf', planter.cookies.get('endpoint_csrf') ?? '');

    const response = await victim.request('/user/login', {
      method: 'POST',
      form: { _csrf: token, username: 'joe', password: PASSWORD },
      ...HTTPS,
    });

    assert.equal(response.status, 403);
    assert.equal(victim.cookies.has('__Host-endpoint_session'), false);
  });

  it('renews the CSRF secret at an API login too, over plain HTTP', async (t) => {
    const server = await startTestServer(t);
    await createUser(server.app, 'joe');
    const client = new Client(server.url);
    await client.get('/user/login');
    const before = client.cookies.get('endpoint_csrf');
    assert.ok(before);

    const login = await client.post('/api/v1/users/authenticate', { username: 'joe', password: PASSWORD });

    await expectOk(login);
    assertCleared(login, 'endpoint_csrf');
    await client.get('/user/logout');
    const after = client.cookies.get('endpoint_csrf');
    assert.ok(after);
    assert.notEqual(after, before);
  });
});
