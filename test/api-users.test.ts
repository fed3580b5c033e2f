import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { expectOk, expectProblem, type ProblemScenario, runProblemScenarios } from './helpers/api.ts';
import { Client } from './helpers/http.ts';
import { startTestServer } from './helpers/server.ts';
import { createUser, PASSWORD } from './helpers/users.ts';

const USERS = '/api/v1/users';
const ME = '/api/v1/users/authenticated_user';
const NEW_PASSWORD = 'a brand new passphrase';

/** A server with a logged-in client for each kind of caller the scenarios need. */
async function setUp(t: TestContext, env: Record<string, string> = {}) {
  const server = await startTestServer(t, { env });
  const users = {
    boss: await createUser(server.app, 'boss', { groups: ['admin'] }),
    viewer: await createUser(server.app, 'viewer', { groups: ['viewers'], permissions: ['users.view'] }),
    nobody: await createUser(server.app, 'nobody'),
    target: await createUser(server.app, 'target'),
  };
  const clients = {
    anonymous: new Client(server.url),
    boss: new Client(server.url),
    viewer: new Client(server.url),
    nobody: new Client(server.url),
  };
  await clients.boss.login('boss', PASSWORD);
  await clients.viewer.login('viewer', PASSWORD);
  await clients.nobody.login('nobody', PASSWORD);
  return { server, users, clients };
}

type Caller = 'anonymous' | 'boss' | 'viewer' | 'nobody';

type Scenario = ProblemScenario<Caller>;

describe('users API refusals', () => {
  it('answers every refused request with its status and code, and changes nothing', async (t) => {
    const { server, users, clients } = await setUp(t, { ENDPOINT_BODY_LIMIT: '4096' });
    const target = `${USERS}/${users.target.id}`;
    const self = (name: 'boss' | 'nobody') => `${USERS}/${users[name].id}`;
    const newUser = { username: 'newcomer', password: PASSWORD };
    const scenarios: Scenario[] = [
      {
        name: 'anonymous list',
        as: 'anonymous',
        method: 'GET',
        path: `${USERS}/`,
        status: 401,
        code: 'unauthenticated',
      },
      { name: 'anonymous read', as: 'anonymous', method: 'GET', path: target, status: 401, code: 'unauthenticated' },
      {
        name: 'anonymous read of a bad id',
        as: 'anonymous',
        method: 'GET',
        path: `${USERS}/abc`,
        status: 401,
        code: 'unauthenticated',
      },
      {
        name: 'anonymous create',
        as: 'anonymous',
        method: 'POST',
        path: USERS,
        init: { json: newUser },
        status: 401,
        code: 'unauthenticated',
      },
      {
        name: 'anonymous change',
        as: 'anonymous',
        method: 'PATCH',
        path: target,
        init: { json: { first_name: 'X' } },
        status: 401,
        code: 'unauthenticated',
      },
      {
        name: 'anonymous delete',
        as: 'anonymous',
        method: 'DELETE',
        path: target,
        status: 401,
        code: 'unauthenticated',
      },
      {
        name: 'list without users.view',
        as: 'nobody',
        method: 'GET',
        path: `${USERS}/`,
        status: 403,
        code: 'forbidden',
      },
      {
        name: 'list without users.view, no slash',
        as: 'nobody',
        method: 'GET',
        path: USERS,
        status: 403,
        code: 'forbidden',
      },
      {
        name: 'read another without users.view',
        as: 'nobody',
        method: 'GET',
        path: target,
        status: 403,
        code: 'forbidden',
      },
      {
        name: 'create without users.add',
        as: 'viewer',
        method: 'POST',
        path: USERS,
        init: { json: newUser },
        status: 403,
        code: 'forbidden',
      },
      {
        name: 'change another without users.change',
        as: 'viewer',
        method: 'PATCH',
        path: target,
        init: { json: { first_name: 'X' } },
        status: 403,
        code: 'forbidden',
      },
      {
        name: 'activate yourself without users.change',
        as: 'nobody',
        method: 'PATCH',
        path: self('nobody'),
        init: { json: { active: true } },
        status: 403,
        code: 'forbidden',
      },
      {
        name: 'delete without users.delete',
        as: 'viewer',
        method: 'DELETE',
        path: target,
        status: 403,
        code: 'forbidden',
      },
      {
        name: 'limit=0',
        as: 'viewer',
        method: 'GET',
        path: `${USERS}/?limit=0`,
        status: 400,
        code: 'validation_failed',
      },
      {
        name: 'limit=201',
        as: 'viewer',
        method: 'GET',
        path: `${USERS}/?limit=201`,
        status: 400,
        code: 'validation_failed',
      },
      {
        name: 'limit=abc',
        as: 'viewer',
        method: 'GET',
        path: `${USERS}?limit=abc`,
        status: 400,
        code: 'validation_failed',
      },
      {
        name: 'offset=-1',
        as: 'viewer',
        method: 'GET',
        path: `${USERS}/?offset=-1`,
        status: 400,
        code: 'validation_failed',
      },
      {
        name: 'a word for an id',
        as: 'viewer',
        method: 'GET',
        path: `${USERS}/abc`,
        status: 400,
        code: 'validation_failed',
      },
      {
        name: 'a fraction for an id',
        as: 'viewer',
        method: 'GET',
        path: `${USERS}/1.5`,
        status: 400,
        code: 'validation_failed',
      },
      { name: 'a zero id', as: 'viewer', method: 'GET', path: `${USERS}/0`, status: 400, code: 'validation_failed' },
      {
        name: 'an id past the integer column',
        as: 'viewer',
        method: 'GET',
        path: `${USERS}/99999999999`,
        status: 400,
        code: 'validation_failed',
      },
      { name: 'a missing user', as: 'viewer', method: 'GET', path: `${USERS}/999999`, status: 404, code: 'not_found' },
      {
        name: 'a short password',
        as: 'boss',
        method: 'POST',
        path: USERS,
        init: { json: { username: 'newcomer', password: 'short' } },
        status: 400,
        code: 'weak_password',
      },
      {
        name: 'a common password',
        as: 'boss',
        method: 'POST',
        path: USERS,
        init: { json: { username: 'newcomer', password: 'password1' } },
        status: 400,
        code: 'weak_password',
      },
      {
        name: 'the username as password',
        as: 'boss',
        method: 'POST',
        path: USERS,
        init: { json: { username: 'newcomer42', password: 'NEWCOMER42' } },
        status: 400,
        code: 'weak_password',
      },
      {
        name: 'a password of spaces only',
        as: 'boss',
        method: 'POST',
        path: USERS,
        init: { json: { username: 'newcomer', password: ' \t'.repeat(6) } },
        status: 400,
        code: 'weak_password',
      },
      {
        name: 'a password of one repeated character',
        as: 'boss',
        method: 'POST',
        path: USERS,
        init: { json: { username: 'newcomer', password: 'q'.repeat(12) } },
        status: 400,
        code: 'weak_password',
      },
      {
        name: 'a space in the username',
        as: 'boss',
        method: 'POST',
        path: USERS,
        init: { json: { username: 'new comer', password: PASSWORD } },
        status: 400,
        code: 'validation_failed',
      },
      {
        name: 'an empty username',
        as: 'boss',
        method: 'POST',
        path: USERS,
        init: { json: { username: '', password: PASSWORD } },
        status: 400,
        code: 'validation_failed',
      },
      {
        name: 'a username of 151 characters',
        as: 'boss',
        method: 'POST',
        path: USERS,
        init: { json: { username: 'u'.repeat(151), password: PASSWORD } },
        status: 400,
        code: 'validation_failed',
      },
      {
        name: 'no password',
        as: 'boss',
        method: 'POST',
        path: USERS,
        init: { json: { username: 'newcomer' } },
        status: 400,
        code: 'validation_failed',
      },
      {
        name: 'a malformed email',
        as: 'boss',
        method: 'POST',
        path: USERS,
        init: { json: { ...newUser, email: 'not-an-email' } },
        status: 400,
        code: 'validation_failed',
      },
      {
        name: 'a taken username in other case',
        as: 'boss',
        method: 'POST',
        path: USERS,
        init: { json: { username: 'TARGET', password: PASSWORD } },
        status: 409,
        code: 'conflict',
      },
      {
        name: 'a text/plain body',
        as: 'boss',
        method: 'POST',
        path: USERS,
        init: { body: JSON.stringify(newUser), headers: { 'content-type': 'text/plain' } },
        status: 415,
        code: 'unsupported_media_type',
      },
      {
        name: 'a form body',
        as: 'boss',
        method: 'POST',
        path: USERS,
        init: { form: newUser },
        status: 415,
        code: 'unsupported_media_type',
      },
      {
        name: 'broken JSON',
        as: 'boss',
        method: 'POST',
        path: USERS,
        init: { body: '{', headers: { 'content-type': 'application/json' } },
        status: 400,
        code: 'bad_request',
      },
      {
        name: 'a body over ENDPOINT_BODY_LIMIT',
        as: 'boss',
        method: 'POST',
        path: USERS,
        init: { json: { ...newUser, first_name: 'x'.repeat(5000) } },
        status: 413,
        code: 'payload_too_large',
      },
      {
        name: 'a cookie-authenticated create from another origin',
        as: 'boss',
        method: 'POST',
        path: USERS,
        init: { json: newUser, headers: { origin: 'https://evil.example' } },
        status: 403,
        code: 'csrf_failed',
      },
      {
        name: 'a cookie-authenticated delete from another site',
        as: 'boss',
        method: 'DELETE',
        path: target,
        init: { headers: { 'sec-fetch-site': 'cross-site' } },
        status: 403,
        code: 'csrf_failed',
      },
      {
        name: 'change a missing user',
        as: 'boss',
        method: 'PATCH',
        path: `${USERS}/999999`,
        init: { json: { first_name: 'X' } },
        status: 404,
        code: 'not_found',
      },
      {
        name: 'deactivate yourself, the last admin',
        as: 'boss',
        method: 'PATCH',
        path: self('boss'),
        init: { json: { active: false } },
        status: 409,
        code: 'conflict',
      },
      {
        name: 'a weak new password for another',
        as: 'boss',
        method: 'PATCH',
        path: target,
        init: { json: { password: 'short' } },
        status: 400,
        code: 'weak_password',
      },
      {
        name: 'a first name of 151 characters',
        as: 'boss',
        method: 'PATCH',
        path: target,
        init: { json: { first_name: 'x'.repeat(151) } },
        status: 400,
        code: 'validation_failed',
      },
      {
        name: 'a NUL in a name',
        as: 'boss',
        method: 'PATCH',
        path: target,
        init: { json: { last_name: 'a\u0000b' } },
        status: 400,
        code: 'validation_failed',
      },
      {
        name: 'active as a word',
        as: 'boss',
        method: 'PATCH',
        path: target,
        init: { json: { active: 'maybe' } },
        status: 400,
        code: 'validation_failed',
      },
      {
        name: 'your own password without current_password',
        as: 'nobody',
        method: 'PATCH',
        path: self('nobody'),
        init: { json: { password: NEW_PASSWORD } },
        status: 400,
        code: 'validation_failed',
      },
      {
        name: 'your own password without current_password, even with users.change',
        as: 'boss',
        method: 'PATCH',
        path: self('boss'),
        init: { json: { password: NEW_PASSWORD } },
        status: 400,
        code: 'validation_failed',
      },
      {
        name: 'your own password with a wrong current_password',
        as: 'nobody',
        method: 'PATCH',
        path: self('nobody'),
        init: { json: { password: NEW_PASSWORD, current_password: 'not my password' } },
        status: 400,
        code: 'wrong_password',
      },
      {
        name: 'delete yourself, the last admin',
        as: 'boss',
        method: 'DELETE',
        path: self('boss'),
        status: 409,
        code: 'conflict',
      },
      {
        name: 'delete a missing user',
        as: 'boss',
        method: 'DELETE',
        path: `${USERS}/999999`,
        status: 404,
        code: 'not_found',
      },
      {
        name: 'delete a bad id',
        as: 'boss',
        method: 'DELETE',
        path: `${USERS}/abc`,
        status: 400,
        code: 'validation_failed',
      },
    ];
    await runProblemScenarios(t, server.db, clients, scenarios);
  });
});

describe('GET /api/v1/users/', () => {
  it('pages users newest first with total, limit and offset, with or without the trailing slash', async (t) => {
    const { clients } = await setUp(t);
    const all = await expectOk(await clients.viewer.get(`${USERS}/`));

    assert.deepEqual(
      all.items.map((user: { username: string }) => user.username),
      ['target', 'nobody', 'viewer', 'boss'],
    );
    assert.deepEqual({ total: all.total, limit: all.limit, offset: all.offset }, { total: 4, limit: 50, offset: 0 });
    assert.deepEqual(all.items[3].groups, ['admin']);
    assert.equal('password_hash' in all.items[0], false);

    const page = await expectOk(await clients.viewer.get(`${USERS}?limit=2&offset=1`));
    assert.deepEqual(
      page.items.map((user: { username: string }) => user.username),
      ['nobody', 'viewer'],
    );
    assert.deepEqual({ total: page.total, limit: page.limit, offset: page.offset }, { total: 4, limit: 2, offset: 1 });

    const beyond = await expectOk(await clients.viewer.get(`${USERS}/?limit=200&offset=10`));
    assert.deepEqual(beyond, { items: [], total: 4, limit: 200, offset: 10 });
  });
});

describe('POST /api/v1/users', () => {
  it('creates a user who can then log in, and answers 201 with the user', async (t) => {
    const { server, clients } = await setUp(t);
    const response = await clients.boss.post(`${USERS}/`, {
      username: 'ann.o-n+y_m@us',
      password: PASSWORD,
      first_name: 'Ann',
      last_name: 'Onymous',
      email: 'ann@example.com',
    });
    const created = await expectOk(response, 201);

    assert.equal(created.username, 'ann.o-n+y_m@us');
    assert.deepEqual(
      { ...created, id: 0, created_at: '' },
      {
        id: 0,
        username: 'ann.o-n+y_m@us',
        first_name: 'Ann',
        last_name: 'Onymous',
        email: 'ann@example.com',
        active: true,
        groups: [],
        created_at: '',
        last_login_at: null,
      },
    );
    assert.deepEqual(await expectOk(await clients.boss.get(`${USERS}/${created.id}`)), created);
    await new Client(server.url).login('ann.o-n+y_m@us', PASSWORD);
  });

  it('creates an inactive user, who cannot log in', async (t) => {
    const { server, clients } = await setUp(t);
    const created = await expectOk(
      await clients.boss.post(USERS, { username: 'dormant', password: PASSWORD, active: false }),
      201,
    );
    assert.equal(created.active, false);
    const response = await new Client(server.url).post('/api/v1/users/authenticate', {
      username: 'dormant',
      password: PASSWORD,
    });
    await expectProblem(response, 401, 'invalid_credentials');
  });
});

describe('GET /api/v1/users/:id', () => {
  it('answers the requested user, not the caller, to a holder of users.view', async (t) => {
    const { users, clients } = await setUp(t);
    const user = await expectOk(await clients.viewer.get(`${USERS}/${users.target.id}`));
    assert.equal(user.id, users.target.id);
    assert.equal(user.username, 'target');
  });

  it('answers callers their own record without users.view', async (t) => {
    const { users, clients } = await setUp(t);
    const user = await expectOk(await clients.nobody.get(`${USERS}/${users.nobody.id}`));
    assert.equal(user.username, 'nobody');
  });
});

describe('PATCH /api/v1/users/:id', () => {
  it('lets users change their own names and email', async (t) => {
    const { users, clients } = await setUp(t);
    const changes = { first_name: 'No', last_name: 'Body', email: 'no@example.com' };
    const changed = await expectOk(await clients.nobody.patch(`${USERS}/${users.nobody.id}`, changes));
    assert.deepEqual({ first_name: changed.first_name, last_name: changed.last_name, email: changed.email }, changes);
    assert.deepEqual(await expectOk(await clients.nobody.get(ME)), changed);
    assert.equal((await expectOk(await clients.nobody.patch(`${USERS}/${users.nobody.id}`, { email: '' }))).email, '');
  });

  it('lets a holder of users.change change anyone, active included', async (t) => {
    const { server, users } = await setUp(t);
    const changer = await createUser(server.app, 'changer', { groups: ['changers'], permissions: ['users.change'] });
    const client = new Client(server.url);
    await client.login('changer', PASSWORD);

    const changed = await expectOk(
      await client.patch(`${USERS}/${users.target.id}`, { first_name: 'Tar', active: false }),
    );

    assert.equal(changed.first_name, 'Tar');
    assert.equal(changed.active, false);
    assert.equal((await expectOk(await client.patch(`${USERS}/${users.target.id}`, { active: true }))).active, true);
    assert.equal((await expectOk(await client.get(ME))).id, changer.id);
  });

  it('changes your own password, ending your other sessions but keeping this one', async (t) => {
    const { server, users, clients } = await setUp(t);
    const phone = new Client(server.url);
    await phone.login('nobody', PASSWORD);

    await expectOk(
      await clients.nobody.patch(`${USERS}/${users.nobody.id}`, {
        password: NEW_PASSWORD,
        current_password: PASSWORD,
      }),
    );

    await expectOk(await clients.nobody.get(ME));
    await expectProblem(await phone.get(ME), 401, 'unauthenticated');
    await expectProblem(
      await new Client(server.url).post('/api/v1/users/authenticate', { username: 'nobody', password: PASSWORD }),
      401,
      'invalid_credentials',
    );
    await new Client(server.url).login('nobody', NEW_PASSWORD);
  });

  it('ends every session of a user another user sets a password for', async (t) => {
    const { server, users, clients } = await setUp(t);
    const target = new Client(server.url);
    await target.login('target', PASSWORD);

    await expectOk(await clients.boss.patch(`${USERS}/${users.target.id}`, { password: NEW_PASSWORD }));

    await expectProblem(await target.get(ME), 401, 'unauthenticated');
    await expectOk(await clients.boss.get(ME));
    await target.login('target', NEW_PASSWORD);
  });

  it('ends the sessions of a user it deactivates, who can no longer log in', async (t) => {
    const { server, users, clients } = await setUp(t);
    const target = new Client(server.url);
    await target.login('target', PASSWORD);

    await expectOk(await clients.boss.patch(`${USERS}/${users.target.id}`, { active: false }));

    await expectProblem(await target.get(ME), 401, 'unauthenticated');
    const sessions = await server.db
      .selectFrom('sessions')
      .selectAll()
      .where('user_id', '=', users.target.id)
      .execute();
    assert.deepEqual(sessions, []);
    await expectProblem(
      await target.post('/api/v1/users/authenticate', { username: 'target', password: PASSWORD }),
      401,
      'invalid_credentials',
    );
  });
});

describe('DELETE /api/v1/users/:id', () => {
  it('deletes the user and their sessions, and answers 204', async (t) => {
    const { server, users, clients } = await setUp(t);
    const target = new Client(server.url);
    await target.login('target', PASSWORD);

    const response = await clients.boss.delete(`${USERS}/${users.target.id}`);

    assert.equal(response.status, 204);
    await expectProblem(await clients.boss.get(`${USERS}/${users.target.id}`), 404, 'not_found');
    await expectProblem(await target.get(ME), 401, 'unauthenticated');
  });
});

describe('permissions on users', () => {
  it('gives members of group admin every permission without a grant', async (t) => {
    const { server, clients } = await setUp(t);
    const admin = await server.app.users.getGroupByName('admin');
    assert.deepEqual(await server.app.users.groupPermissions(admin.id), []);
    await expectOk(await clients.boss.get(USERS));
    await expectOk(await clients.boss.post(USERS, { username: 'made-by-boss', password: PASSWORD }), 201);
  });
});
