import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { expectOk, expectProblem, type ProblemScenario, runProblemScenarios } from './helpers/api.ts';
import { Client } from './helpers/http.ts';
import { startTestServer } from './helpers/server.ts';
import { createUser, PASSWORD } from './helpers/users.ts';

const GROUPS = '/api/v1/groups';

/** A server with a group `staff` (member: joe, granted users.view) and a logged-in client per caller. */
async function setUp(t: TestContext, env: Record<string, string> = {}) {
  const server = await startTestServer(t, { env });
  const { users } = server.app;
  await createUser(server.app, 'boss', { groups: ['admin'] });
  const joe = await createUser(server.app, 'joe', { groups: ['staff'], permissions: ['users.view'] });
  await createUser(server.app, 'reader', { groups: ['readers'], permissions: ['groups.view'] });
  await createUser(server.app, 'nobody');
  const staff = await users.getGroupByName('staff');
  const clients = {
    anonymous: new Client(server.url),
    boss: new Client(server.url),
    reader: new Client(server.url),
    nobody: new Client(server.url),
  };
  await clients.boss.login('boss', PASSWORD);
  await clients.reader.login('reader', PASSWORD);
  await clients.nobody.login('nobody', PASSWORD);
  return { server, clients, staff, joe };
}

type Caller = 'anonymous' | 'boss' | 'reader' | 'nobody';

type Scenario = ProblemScenario<Caller>;

describe('groups, memberships and permissions API refusals', () => {
  it('answers every refused request with its status and code, and changes nothing', async (t) => {
    const { server, clients, staff, joe } = await setUp(t, { ENDPOINT_BODY_LIMIT: '2048' });
    const group = `${GROUPS}/${staff.id}`;
    const nobodyId = (await server.app.users.getUserByUsername('nobody')).id;
    const scenarios: Scenario[] = [
      { name: 'anonymous list', as: 'anonymous', method: 'GET', path: GROUPS, status: 401, code: 'unauthenticated' },
      {
        name: 'anonymous create',
        as: 'anonymous',
        method: 'POST',
        path: GROUPS,
        init: { json: { name: 'x' } },
        status: 401,
        code: 'unauthenticated',
      },
      { name: 'anonymous read', as: 'anonymous', method: 'GET', path: group, status: 401, code: 'unauthenticated' },
      {
        name: 'anonymous members',
        as: 'anonymous',
        method: 'GET',
        path: `${group}/members`,
        status: 401,
        code: 'unauthenticated',
      },
      {
        name: 'anonymous permissions catalog',
        as: 'anonymous',
        method: 'GET',
        path: '/api/v1/permissions',
        status: 401,
        code: 'unauthenticated',
      },
      {
        name: 'anonymous grant',
        as: 'anonymous',
        method: 'PUT',
        path: `${group}/permissions/users.add`,
        status: 401,
        code: 'unauthenticated',
      },
      { name: 'list without groups.view', as: 'nobody', method: 'GET', path: GROUPS, status: 403, code: 'forbidden' },
      { name: 'read without groups.view', as: 'nobody', method: 'GET', path: group, status: 403, code: 'forbidden' },
      {
        name: 'members without groups.view',
        as: 'nobody',
        method: 'GET',
        path: `${group}/members`,
        status: 403,
        code: 'forbidden',
      },
      {
        name: 'grants without groups.view',
        as: 'nobody',
        method: 'GET',
        path: `${group}/permissions`,
        status: 403,
        code: 'forbidden',
      },
      {
        name: 'create without groups.add',
        as: 'reader',
        method: 'POST',
        path: GROUPS,
        init: { json: { name: 'new' } },
        status: 403,
        code: 'forbidden',
      },
      {
        name: 'rename without groups.change',
        as: 'reader',
        method: 'PATCH',
        path: group,
        init: { json: { name: 'renamed' } },
        status: 403,
        code: 'forbidden',
      },
      {
        name: 'delete without groups.delete',
        as: 'reader',
        method: 'DELETE',
        path: group,
        status: 403,
        code: 'forbidden',
      },
      {
        name: 'add a member without groups.change',
        as: 'reader',
        method: 'PUT',
        path: `${group}/members/${nobodyId}`,
        status: 403,
        code: 'forbidden',
      },
      {
        name: 'remove a member without groups.change',
        as: 'reader',
        method: 'DELETE',
        path: `${group}/members/${joe.id}`,
        status: 403,
        code: 'forbidden',
      },
      {
        name: 'grant without groups.change',
        as: 'reader',
        method: 'PUT',
        path: `${group}/permissions/users.add`,
        status: 403,
        code: 'forbidden',
      },
      {
        name: 'revoke without groups.change',
        as: 'reader',
        method: 'DELETE',
        path: `${group}/permissions/users.view`,
        status: 403,
        code: 'forbidden',
      },
      {
        name: 'limit=0',
        as: 'reader',
        method: 'GET',
        path: `${GROUPS}?limit=0`,
        status: 400,
        code: 'validation_failed',
      },
      {
        name: 'limit=201',
        as: 'reader',
        method: 'GET',
        path: `${GROUPS}?limit=201`,
        status: 400,
        code: 'validation_failed',
      },
      {
        name: 'members limit=201',
        as: 'reader',
        method: 'GET',
        path: `${group}/members?limit=201`,
        status: 400,
        code: 'validation_failed',
      },
      {
        name: 'a word for an id',
        as: 'reader',
        method: 'GET',
        path: `${GROUPS}/staff`,
        status: 400,
        code: 'validation_failed',
      },
      {
        name: 'a missing group',
        as: 'reader',
        method: 'GET',
        path: `${GROUPS}/999999`,
        status: 404,
        code: 'not_found',
      },
      {
        name: 'members of a missing group',
        as: 'reader',
        method: 'GET',
        path: `${GROUPS}/999999/members`,
        status: 404,
        code: 'not_found',
      },
      {
        name: 'grants of a missing group',
        as: 'reader',
        method: 'GET',
        path: `${GROUPS}/999999/permissions`,
        status: 404,
        code: 'not_found',
      },
      {
        name: 'a taken group name',
        as: 'boss',
        method: 'POST',
        path: GROUPS,
        init: { json: { name: 'staff' } },
        status: 409,
        code: 'conflict',
      },
      {
        name: 'an empty group name',
        as: 'boss',
        method: 'POST',
        path: GROUPS,
        init: { json: { name: '' } },
        status: 400,
        code: 'validation_failed',
      },
      {
        name: 'a group name of 151 characters',
        as: 'boss',
        method: 'POST',
        path: GROUPS,
        init: { json: { name: 'g'.repeat(151) } },
        status: 400,
        code: 'validation_failed',
      },
      {
        name: 'a description of 501 characters',
        as: 'boss',
        method: 'POST',
        path: GROUPS,
        init: { json: { name: 'wordy', description: 'd'.repeat(501) } },
        status: 400,
        code: 'validation_failed',
      },
      {
        name: 'a text/plain body',
        as: 'boss',
        method: 'POST',
        path: GROUPS,
        init: { body: '{"name":"x"}', headers: { 'content-type': 'text/plain' } },
        status: 415,
        code: 'unsupported_media_type',
      },
      {
        name: 'a body over ENDPOINT_BODY_LIMIT',
        as: 'boss',
        method: 'POST',
        path: GROUPS,
        init: { json: { name: 'big', description: 'd'.repeat(3000) } },
        status: 413,
        code: 'payload_too_large',
      },
      {
        name: 'a cookie-authenticated create from another origin',
        as: 'boss',
        method: 'POST',
        path: GROUPS,
        init: { json: { name: 'forged' }, headers: { origin: 'https://evil.example' } },
        status: 403,
        code: 'csrf_failed',
      },
      {
        name: 'a rename to a taken name',
        as: 'boss',
        method: 'PATCH',
        path: group,
        init: { json: { name: 'readers' } },
        status: 409,
        code: 'conflict',
      },
      {
        name: 'rename a missing group',
        as: 'boss',
        method: 'PATCH',
        path: `${GROUPS}/999999`,
        init: { json: { name: 'ghosts' } },
        status: 404,
        code: 'not_found',
      },
      {
        name: 'delete a missing group',
        as: 'boss',
        method: 'DELETE',
        path: `${GROUPS}/999999`,
        status: 404,
        code: 'not_found',
      },
      {
        name: 'add a missing user',
        as: 'boss',
        method: 'PUT',
        path: `${group}/members/999999`,
        status: 404,
        code: 'not_found',
      },
      {
        name: 'add to a missing group',
        as: 'boss',
        method: 'PUT',
        path: `${GROUPS}/999999/members/${nobodyId}`,
        status: 404,
        code: 'not_found',
      },
      {
        name: 'a word for a user id',
        as: 'boss',
        method: 'PUT',
        path: `${group}/members/joe`,
        status: 400,
        code: 'validation_failed',
      },
      {
        name: 'remove a user who is not a member',
        as: 'boss',
        method: 'DELETE',
        path: `${group}/members/${nobodyId}`,
        status: 404,
        code: 'not_found',
      },
      {
        name: 'grant an undeclared permission',
        as: 'boss',
        method: 'PUT',
        path: `${group}/permissions/users.fly`,
        status: 400,
        code: 'bad_request',
      },
      {
        name: 'revoke an undeclared permission',
        as: 'boss',
        method: 'DELETE',
        path: `${group}/permissions/users.fly`,
        status: 400,
        code: 'bad_request',
      },
      {
        name: 'revoke a permission the group does not hold',
        as: 'boss',
        method: 'DELETE',
        path: `${group}/permissions/users.add`,
        status: 404,
        code: 'not_found',
      },
      {
        name: 'grant to a missing group',
        as: 'boss',
        method: 'PUT',
        path: `${GROUPS}/999999/permissions/users.add`,
        status: 404,
        code: 'not_found',
      },
      {
        name: 'permissions catalog limit=0',
        as: 'nobody',
        method: 'GET',
        path: '/api/v1/permissions?limit=0',
        status: 400,
        code: 'validation_failed',
      },
    ];
    await runProblemScenarios(t, server.db, clients, scenarios);
  });
});

describe('groups API', () => {
  it('creates, reads, lists, renames and deletes a group', async (t) => {
    const { clients } = await setUp(t);

    const created = await expectOk(await clients.boss.post(GROUPS, { name: 'editors', description: 'They edit' }), 201);
    assert.deepEqual(Object.keys(created).sort(), ['description', 'id', 'name']);
    assert.deepEqual(created, { id: created.id, name: 'editors', description: 'They edit' });
    assert.deepEqual(await expectOk(await clients.reader.get(`${GROUPS}/${created.id}`)), created);

    const list = await expectOk(await clients.reader.get(`${GROUPS}?limit=2&offset=1`));
    assert.deepEqual(
      list.items.map((group: { name: string }) => group.name),
      ['editors', 'readers'],
    );
    assert.deepEqual({ total: list.total, limit: list.limit, offset: list.offset }, { total: 4, limit: 2, offset: 1 });
    // A collection spelled with its trailing slash is the same collection, not `/groups/:id`.
    assert.deepEqual(await expectOk(await clients.reader.get(`${GROUPS}/?limit=2&offset=1`)), list);

    const renamed = await expectOk(await clients.boss.patch(`${GROUPS}/${created.id}`, { name: 'writers' }));
    assert.deepEqual(renamed, { id: created.id, name: 'writers', description: 'They edit' });
    const described = await expectOk(await clients.boss.patch(`${GROUPS}/${created.id}`, { description: '' }));
    assert.equal(described.description, '');

    // Fields it does not know are ignored, as everywhere in the API; nothing to change changes nothing.
    for (const nothing of [{}, { colour: 'red' }]) {
      assert.deepEqual(await expectOk(await clients.boss.patch(`${GROUPS}/${created.id}`, nothing)), described);
    }

    const deleted = await clients.boss.delete(`${GROUPS}/${created.id}`);
    assert.equal(deleted.status, 204);
    await expectProblem(await clients.reader.get(`${GROUPS}/${created.id}`), 404, 'not_found');
  });

  it('takes away what a deleted group granted on its members’ next request', async (t) => {
    const { server, clients, staff } = await setUp(t);
    const joe = new Client(server.url);
    await joe.login('joe', PASSWORD);
    await expectOk(await joe.get('/api/v1/users'));

    assert.equal((await clients.boss.delete(`${GROUPS}/${staff.id}`)).status, 204);

    await expectProblem(await joe.get('/api/v1/users'), 403, 'forbidden');
    assert.deepEqual((await expectOk(await joe.get('/api/v1/users/authenticated_user'))).groups, []);
  });
});

describe('memberships API', () => {
  it('lists, adds (idempotently) and removes members', async (t) => {
    const { server, clients, staff, joe } = await setUp(t);
    const nobody = await server.app.users.getUserByUsername('nobody');
    const members = `${GROUPS}/${staff.id}/members`;

    const before = await expectOk(await clients.reader.get(members));
    assert.deepEqual(
      before.items.map((user: { id: number }) => user.id),
      [joe.id],
    );
    assert.deepEqual(before.items[0].groups, ['staff']);

    for (let i = 0; i < 2; i++) {
      const added = await clients.boss.put(`${members}/${nobody.id}`);
      assert.equal(added.status, 204);
    }
    const after = await expectOk(await clients.reader.get(`${members}?limit=1&offset=1`));
    assert.deepEqual(
      after.items.map((user: { username: string }) => user.username),
      ['nobody'],
    );
    assert.deepEqual(
      { total: after.total, limit: after.limit, offset: after.offset },
      { total: 2, limit: 1, offset: 1 },
    );

    assert.equal((await clients.boss.delete(`${members}/${joe.id}`)).status, 204);
    const left = await expectOk(await clients.reader.get(members));
    assert.deepEqual(
      left.items.map((user: { username: string }) => user.username),
      ['nobody'],
    );
  });

  it('gives a new member the group’s permissions on their next request', async (t) => {
    const { server, clients, staff } = await setUp(t);
    const nobody = await server.app.users.getUserByUsername('nobody');
    await expectProblem(await clients.nobody.get('/api/v1/users'), 403, 'forbidden');

    assert.equal((await clients.boss.put(`${GROUPS}/${staff.id}/members/${nobody.id}`)).status, 204);

    await expectOk(await clients.nobody.get('/api/v1/users'));
  });
});

describe('permissions API', () => {
  it('lists every declared permission to any logged-in user', async (t) => {
    const { server, clients } = await setUp(t);
    const catalog = await expectOk(await clients.nobody.get('/api/v1/permissions'));

    const expected = [...server.app.permissions].map(([codename, description]) => ({ codename, description }));
    assert.deepEqual(catalog, { items: expected, total: expected.length, limit: 50, offset: 0 });
    assert.ok(expected.some((permission) => permission.codename === 'users.view'));
    const page = await expectOk(await clients.nobody.get('/api/v1/permissions?limit=1&offset=1'));
    assert.deepEqual(page.items, [expected[1]]);
  });

  it('grants (idempotently) and revokes a group’s permissions', async (t) => {
    const { clients, staff } = await setUp(t);
    const grants = `${GROUPS}/${staff.id}/permissions`;
    assert.deepEqual(await expectOk(await clients.reader.get(grants)), {
      items: ['users.view'],
      total: 1,
      limit: 50,
      offset: 0,
    });

    for (let i = 0; i < 2; i++) assert.equal((await clients.boss.put(`${grants}/groups.view`)).status, 204);
    assert.deepEqual((await expectOk(await clients.reader.get(grants))).items, ['groups.view', 'users.view']);

    assert.equal((await clients.boss.delete(`${grants}/users.view`)).status, 204);
    assert.deepEqual((await expectOk(await clients.reader.get(grants))).items, ['groups.view']);
  });

  it('takes a revoked permission away on the very next request', async (t) => {
    const { server, clients, staff } = await setUp(t);
    const joe = new Client(server.url);
    await joe.login('joe', PASSWORD);
    await expectOk(await joe.get('/api/v1/users'));

    assert.equal((await clients.boss.delete(`${GROUPS}/${staff.id}/permissions/users.view`)).status, 204);

    await expectProblem(await joe.get('/api/v1/users'), 403, 'forbidden');
  });

  it('gives a granted permission on the very next request', async (t) => {
    const { server, clients, staff } = await setUp(t);
    const joe = new Client(server.url);
    await joe.login('joe', PASSWORD);
    await expectProblem(await joe.get(GROUPS), 403, 'forbidden');

    assert.equal((await clients.boss.put(`${GROUPS}/${staff.id}/permissions/groups.view`)).status, 204);

    await expectOk(await joe.get(GROUPS));
  });
});
