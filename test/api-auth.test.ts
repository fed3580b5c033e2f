import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectOk, expectProblem, usersTablesSnapshot } from './helpers/api.ts';
import { Client } from './helpers/http.ts';
import { startTestServer } from './helpers/server.ts';
import { createUser, PASSWORD } from './helpers/users.ts';

const AUTHENTICATE = '/api/v1/users/authenticate';
const LOGOUT = '/api/v1/users/logout';
const ME = '/api/v1/users/authenticated_user';

function sessionCookieLine(response: Response): string {
  const line = response.headers.getSetCookie().find((cookie) => cookie.startsWith('endpoint_session='));
  assert.ok(line, 'no session cookie was set');
  return line;
}

describe('POST /api/v1/users/authenticate', () => {
  it('answers the user and sets an HttpOnly, SameSite=Lax session cookie', async (t) => {
    const server = await startTestServer(t);
    const joe = await createUser(server.app, 'joe', { groups: ['users'] });
    const client = new Client(server.url);

    const response = await client.post(AUTHENTICATE, { username: 'joe', password: PASSWORD });
    const line = sessionCookieLine(response);
    const user = await expectOk(response);

    assert.deepEqual(Object.keys(user).sort(), [
      'active',
      'created_at',
      'email',
      'first_name',
      'groups',
      'id',
      'last_login_at',
      'last_name',
      'username',
    ]);
    assert.equal(user.id, joe.id);
    assert.deepEqual(user.groups, ['users']);
    assert.match(user.last_login_at, /^\d{4}-\d\d-\d\dT/);
    assert.match(line, /; HttpOnly/i);
    assert.match(line, /; SameSite=Lax/i);
    assert.match(line, /; Path=\//i);
    assert.doesNotMatch(line, /; Secure/i, 'plain HTTP cannot carry a Secure cookie');
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.equal((await expectOk(await client.get(ME))).username, 'joe');
  });

  it('accepts the username in any case, as usernames are unique regardless of case', async (t) => {
    const server = await startTestServer(t);
    await createUser(server.app, 'Joe');
    const client = new Client(server.url);
    assert.equal(
      (await expectOk(await client.post(AUTHENTICATE, { username: 'jOE', password: PASSWORD }))).username,
      'Joe',
    );
  });

  it('issues a new session id at each login and ends the session it replaces', async (t) => {
    const server = await startTestServer(t);
    const joe = await createUser(server.app, 'joe');
    const client = new Client(server.url);

    await client.login('joe', PASSWORD);
    const first = client.cookies.get('endpoint_session');
    await client.login('joe', PASSWORD);
    const second = client.cookies.get('endpoint_session');

    assert.ok(first && second);
    assert.notEqual(first, second);
    const stale = new Client(server.url);
    stale.cookies.set('endpoint_session', first);
    await expectProblem(await stale.get(ME), 401, 'unauthenticated');
    assert.equal((await expectOk(await client.get(ME))).id, joe.id);
    const sessions = await server.db.selectFrom('sessions').select('user_id').execute();
    assert.deepEqual(sessions, [{ user_id: joe.id }]);
  });

  it('never adopts a session id the client made up', async (t) => {
    const server = await startTestServer(t);
    await createUser(server.app, 'joe');
    const client = new Client(server.url);
    const planted = 'A'.repeat(43);
    client.cookies.set('endpoint_session', planted);

    await client.login('joe', PASSWORD);

    assert.notEqual(client.cookies.get('endpoint_session'), planted);
    const attacker = new Client(server.url);
    attacker.cookies.set('endpoint_session', planted);
    await expectProblem(await attacker.get(ME), 401, 'unauthenticated');
  });

  it('answers an unknown user, a wrong password and an inactive user with the same 401 body', async (t) => {
    const server = await startTestServer(t);
    await createUser(server.app, 'joe');
    await createUser(server.app, 'retired', { active: false });
    const before = await usersTablesSnapshot(server.db);

    const bodies: string[] = [];
    for (const credentials of [
      { username: 'nobody', password: PASSWORD },
      { username: 'joe', password: 'not the password' },
      { username: 'retired', password: PASSWORD },
    ]) {
      const response = await new Client(server.url).post(AUTHENTICATE, credentials);
      assert.deepEqual(response.headers.getSetCookie(), [], 'a failed login sets no cookie');
      const text = await response.clone().text();
      await expectProblem(response, 401, 'invalid_credentials');
      bodies.push(text);
    }

    assert.equal(new Set(bodies).size, 1, `bodies differ: ${bodies.join(' | ')}`);
    assert.deepEqual(await usersTablesSnapshot(server.db), before);
  });

  it('refuses malformed requests with their status and code, and changes nothing', async (t) => {
    const server = await startTestServer(t, { env: { ENDPOINT_BODY_LIMIT: '2048' } });
    await createUser(server.app, 'joe');
    const scenarios: { name: string; init: Parameters<Client['request']>[1]; status: number; code: string }[] = [
      { name: 'no body', init: {}, status: 400, code: 'validation_failed' },
      { name: 'no password', init: { json: { username: 'joe' } }, status: 400, code: 'validation_failed' },
      { name: 'a number for a body', init: { json: 42 }, status: 400, code: 'validation_failed' },
      {
        name: 'broken JSON',
        init: { body: '{"username":', headers: { 'content-type': 'application/json' } },
        status: 400,
        code: 'bad_request',
      },
      {
        name: 'a NUL in the username',
        init: { json: { username: 'jo\u0000e', password: PASSWORD } },
        status: 400,
        code: 'validation_failed',
      },
      {
        name: 'a text/plain body',
        init: { body: 'username=joe', headers: { 'content-type': 'text/plain' } },
        status: 415,
        code: 'unsupported_media_type',
      },
      {
        name: 'a form body',
        init: { form: { username: 'joe', password: PASSWORD } },
        status: 415,
        code: 'unsupported_media_type',
      },
      {
        name: 'a body over ENDPOINT_BODY_LIMIT',
        init: { json: { username: 'joe', password: 'x'.repeat(4096) } },
        status: 413,
        code: 'payload_too_large',
      },
      {
        name: 'a foreign Origin',
        init: { json: { username: 'joe', password: PASSWORD }, headers: { origin: 'https://evil.example' } },
        status: 403,
        code: 'csrf_failed',
      },
      {
        name: 'a cross-site Sec-Fetch-Site',
        init: { json: { username: 'joe', password: PASSWORD }, headers: { 'sec-fetch-site': 'cross-site' } },
        status: 403,
        code: 'csrf_failed',
      },
    ];
    const before = await usersTablesSnapshot(server.db);

    for (const scenario of scenarios) {
      await t.test(scenario.name, async () => {
        const response = await new Client(server.url).request(AUTHENTICATE, { method: 'POST', ...scenario.init });
        await expectProblem(response, scenario.status, scenario.code);
      });
    }

    assert.deepEqual(await usersTablesSnapshot(server.db), before);
  });

  for (const [whose, username] of [
    ['an existing', 'joe'],
    ['an unknown', 'ghost'],
  ] as const) {
    it(`throttles ${whose} username after the allowed failures, even with the right password`, async (t) => {
      const server = await startTestServer(t, { env: { ENDPOINT_LOGIN_MAX_FAILURES_PER_ACCOUNT: '3' } });
      await createUser(server.app, 'joe');
      const client = new Client(server.url);

      for (let attempt = 1; attempt <= 3; attempt++) {
        await expectProblem(
          await client.post(AUTHENTICATE, { username, password: 'wrong password' }),
          401,
          'invalid_credentials',
        );
      }
      const response = await client.post(AUTHENTICATE, { username, password: PASSWORD });

      const retryAfter = Number(response.headers.get('retry-after'));
      await expectProblem(response, 429, 'too_many_requests');
      assert.ok(Number.isInteger(retryAfter) && retryAfter > 0, `retry-after: ${retryAfter}`);
      assert.equal(client.cookies.size, 0);
      assert.deepEqual(await server.db.selectFrom('sessions').selectAll().execute(), []);
    });
  }

  it('throttles one account without locking out another', async (t) => {
    const server = await startTestServer(t, { env: { ENDPOINT_LOGIN_MAX_FAILURES_PER_ACCOUNT: '3' } });
    await createUser(server.app, 'joe');
    await createUser(server.app, 'ann');
    const client = new Client(server.url);
    for (let attempt = 1; attempt <= 3; attempt++) {
      await client.post(AUTHENTICATE, { username: 'joe', password: 'wrong password' });
    }
    await expectProblem(
      await client.post(AUTHENTICATE, { username: 'joe', password: PASSWORD }),
      429,
      'too_many_requests',
    );
    await client.login('ann', PASSWORD);
  });
});

describe('POST /api/v1/users/logout', () => {
  it('ends the session on the server and answers 204', async (t) => {
    const server = await startTestServer(t);
    await createUser(server.app, 'joe');
    const client = new Client(server.url);
    await client.login('joe', PASSWORD);
    const id = client.cookies.get('endpoint_session') ?? '';

    const response = await client.post(LOGOUT);

    assert.equal(response.status, 204);
    assert.equal(await response.text(), '');
    assert.equal(client.cookies.size, 0, 'the cookie is cleared');
    const replay = new Client(server.url);
    replay.cookies.set('endpoint_session', id);
    await expectProblem(await replay.get(ME), 401, 'unauthenticated');
    assert.deepEqual(await server.db.selectFrom('sessions').selectAll().execute(), []);
  });

  it('answers 204 to a caller without a session', async (t) => {
    const server = await startTestServer(t);
    const response = await new Client(server.url).post(LOGOUT);
    assert.equal(response.status, 204);
  });

  it('ends only its own session, not the same user’s others', async (t) => {
    const server = await startTestServer(t);
    await createUser(server.app, 'joe');
    const [laptop, phone] = [new Client(server.url), new Client(server.url)];
    await laptop.login('joe', PASSWORD);
    await phone.login('joe', PASSWORD);

    assert.equal((await laptop.post(LOGOUT)).status, 204);

    await expectOk(await phone.get(ME));
  });

  it('refuses a cookie-authenticated logout from another origin and keeps the session', async (t) => {
    const server = await startTestServer(t);
    await createUser(server.app, 'joe');
    const client = new Client(server.url);
    await client.login('joe', PASSWORD);

    await expectProblem(
      await client.post(LOGOUT, undefined, { headers: { origin: 'https://evil.example' } }),
      403,
      'csrf_failed',
    );

    await expectOk(await client.get(ME));
  });

  it('accepts a same-origin browser call', async (t) => {
    const server = await startTestServer(t);
    await createUser(server.app, 'joe');
    const client = new Client(server.url);
    await client.login('joe', PASSWORD);

    const response = await client.post(LOGOUT, undefined, {
      headers: { origin: server.url, 'sec-fetch-site': 'same-origin' },
    });

    assert.equal(response.status, 204);
    await expectProblem(await client.get(ME), 401, 'unauthenticated');
  });
});

describe('GET /api/v1/users/authenticated_user', () => {
  it('answers the caller with their groups', async (t) => {
    const server = await startTestServer(t);
    const joe = await createUser(server.app, 'joe', { groups: ['users', 'editors'] });
    const client = new Client(server.url);
    await client.login('joe', PASSWORD);

    const response = await client.get(ME);
    const user = await expectOk(response);

    assert.equal(user.id, joe.id);
    assert.equal(user.username, 'joe');
    assert.deepEqual(user.groups, ['editors', 'users']);
    assert.equal(response.headers.get('cache-control'), 'no-store');
  });

  it('answers 401 unauthenticated without a session, or with a forged one', async (t) => {
    const server = await startTestServer(t);
    await expectProblem(await new Client(server.url).get(ME), 401, 'unauthenticated');
    const forged = new Client(server.url);
    forged.cookies.set('endpoint_session', 'not-a-session');
    await expectProblem(await forged.get(ME), 401, 'unauthenticated');
  });
});
