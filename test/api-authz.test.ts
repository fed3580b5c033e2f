import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { expectOk, expectProblem, type ProblemScenario, runProblemScenarios } from './helpers/api.ts';
import { Client } from './helpers/http.ts';
import { startTestServer } from './helpers/server.ts';
import { createUser, PASSWORD } from './helpers/users.ts';

const USERS = '/api/v1/users';
const GROUPS = '/api/v1/groups';
const NEW_PASSWORD = 'a brand new passphrase';

const GROUP_MANAGER = ['groups.view', 'groups.add', 'groups.change', 'groups.delete'];
const USER_MANAGER = ['users.view', 'users.change', 'users.delete'];

/**
 * boss, the one admin; gina, who holds every groups.* permission; uma, who holds users.view,
 * users.change and users.delete; joe (users.view) and nobody (nothing). Each has a logged-in
 * client; gina, uma and boss also have an API token scoped to part of what they hold.
 */
async function setUp(t: TestContext) {
  const server = await startTestServer(t);
  const { users } = server.app;
  const ids = {
    boss: (await createUser(server.app, 'boss', { groups: ['admin'] })).id,
    gina: (await createUser(server.app, 'gina', { groups: ['group-managers'], permissions: GROUP_MANAGER })).id,
    uma: (await createUser(server.app, 'uma', { groups: ['user-managers'], permissions: USER_MANAGER })).id,
    joe: (await createUser(server.app, 'joe', { groups: ['staff'], permissions: ['users.view'] })).id,
    nobody: (await createUser(server.app, 'nobody')).id,
  };
  const groupIds = {
    admin: (await users.getGroupByName('admin')).id,
    managers: (await users.getGroupByName('group-managers')).id,
    staff: (await users.getGroupByName('staff')).id,
  };
  const clients = {
    boss: new Client(server.url),
    gina: new Client(server.url),
    uma: new Client(server.url),
    // Token callers send no cookie: only their Authorization header speaks for them.
    ginaToken: new Client(server.url),
    umaToken: new Client(server.url),
    bossToken: new Client(server.url),
  };
  for (const name of ['boss', 'gina', 'uma'] as const) await clients[name].login(name, PASSWORD);
  const token = async (client: Client, scopes: string[]) => {
    const created = await expectOk(await client.post('/api/v1/tokens', { name: 'ci', scopes }), 201);
    return { authorization: `Bearer ${created.token}` };
  };
  const headers = {
    ginaToken: await token(clients.gina, ['groups.change']),
    umaToken: await token(clients.uma, ['users.change', 'users.delete']),
    bossToken: await token(clients.boss, ['users.change', 'users.delete', 'groups.change', 'groups.delete']),
  };
  return { server, ids, groupIds, clients, headers };
}

type Caller = 'boss' | 'gina' | 'uma' | 'ginaToken' | 'umaToken' | 'bossToken';

type Scenario = ProblemScenario<Caller>;

describe('nobody gives more than they hold', () => {
  it('refuses every escalation and every change that would leave no admin, and changes nothing', async (t) => {
    const { server, ids, groupIds, clients, headers } = await setUp(t);
    const user = (name: keyof typeof ids) => `${USERS}/${ids[name]}`;
    const group = (name: keyof typeof groupIds) => `${GROUPS}/${groupIds[name]}`;
    const member = (g: keyof typeof groupIds, u: keyof typeof ids) => `${group(g)}/members/${ids[u]}`;
    const forbidden = { status: 403, code: 'forbidden' };
    const conflict = { status: 409, code: 'conflict' };
    const byToken = (as: 'ginaToken' | 'umaToken' | 'bossToken', json?: unknown) => ({
      as,
      init: { headers: headers[as], ...(json !== undefined && { json }) },
    });
    const scenarios: Scenario[] = [
      // Memberships: the group's permissions, and the member's, must all be held.
      {
        name: 'groups.change adds herself to admin',
        as: 'gina',
        method: 'PUT',
        path: member('admin', 'gina'),
        ...forbidden,
      },
      {
        name: 'groups.change adds herself to a group giving what she lacks',
        as: 'gina',
        method: 'PUT',
        path: member('staff', 'gina'),
        ...forbidden,
      },
      {
        name: 'groups.change adds a user holding more than she does to her own group',
        as: 'gina',
        method: 'PUT',
        path: member('managers', 'joe'),
        ...forbidden,
      },
      {
        name: 'groups.change removes the admin from admin',
        as: 'gina',
        method: 'DELETE',
        path: member('admin', 'boss'),
        ...forbidden,
      },
      { name: 'the last admin leaves admin', as: 'boss', method: 'DELETE', path: member('admin', 'boss'), ...conflict },
      // Grants: everything the group would then give must be held.
      {
        name: 'groups.change grants her own group users.change',
        as: 'gina',
        method: 'PUT',
        path: `${group('managers')}/permissions/users.change`,
        ...forbidden,
      },
      {
        name: 'groups.change grants a permission she holds to a group giving one she lacks',
        as: 'gina',
        method: 'PUT',
        path: `${group('staff')}/permissions/groups.view`,
        ...forbidden,
      },
      {
        name: 'groups.change grants to admin',
        as: 'gina',
        method: 'PUT',
        path: `${group('admin')}/permissions/groups.view`,
        ...forbidden,
      },
      // The admin group: made only by a holder of everything, never renamed or deleted.
      {
        name: 'groups.add creates a group named admin',
        as: 'gina',
        method: 'POST',
        path: GROUPS,
        init: { json: { name: 'admin' } },
        ...forbidden,
      },
      {
        name: 'groups.change renames her group to admin',
        as: 'gina',
        method: 'PATCH',
        path: group('managers'),
        init: { json: { name: 'admin' } },
        ...forbidden,
      },
      {
        name: 'groups.change renames admin',
        as: 'gina',
        method: 'PATCH',
        path: group('admin'),
        init: { json: { name: 'x' } },
        ...conflict,
      },
      {
        name: 'an admin renames admin',
        as: 'boss',
        method: 'PATCH',
        path: group('admin'),
        init: { json: { name: 'x' } },
        ...conflict,
      },
      { name: 'groups.delete deletes admin', as: 'gina', method: 'DELETE', path: group('admin'), ...conflict },
      { name: 'an admin deletes admin', as: 'boss', method: 'DELETE', path: group('admin'), ...conflict },
      // Users: only someone holding all the target holds changes or deletes them.
      {
        name: "users.change sets the admin's password",
        as: 'uma',
        method: 'PATCH',
        path: user('boss'),
        init: { json: { password: NEW_PASSWORD } },
        ...forbidden,
      },
      {
        name: 'users.change deactivates the admin',
        as: 'uma',
        method: 'PATCH',
        path: user('boss'),
        init: { json: { active: false } },
        ...forbidden,
      },
      {
        name: "users.change changes the admin's email",
        as: 'uma',
        method: 'PATCH',
        path: user('boss'),
        init: { json: { email: 'uma@example.com' } },
        ...forbidden,
      },
      {
        name: 'users.change sets the password of a user holding what she lacks',
        as: 'uma',
        method: 'PATCH',
        path: user('gina'),
        init: { json: { password: NEW_PASSWORD } },
        ...forbidden,
      },
      { name: 'users.delete deletes the admin', as: 'uma', method: 'DELETE', path: user('boss'), ...forbidden },
      {
        name: 'the last admin deactivates herself',
        as: 'boss',
        method: 'PATCH',
        path: user('boss'),
        init: { json: { active: false } },
        ...conflict,
      },
      { name: 'the last admin deletes herself', as: 'boss', method: 'DELETE', path: user('boss'), ...conflict },
      // Bearer tokens hold their scopes within their owner's permissions, no more.
      {
        name: 'a groups.change token adds its owner to admin',
        method: 'PUT',
        path: member('admin', 'gina'),
        ...byToken('ginaToken'),
        ...forbidden,
      },
      {
        name: 'a groups.change token adds a user to a group giving what the token lacks, though its owner holds it',
        method: 'PUT',
        path: member('managers', 'nobody'),
        ...byToken('ginaToken'),
        ...forbidden,
      },
      {
        name: "a users.change token sets the admin's password",
        method: 'PATCH',
        path: user('boss'),
        ...byToken('umaToken', { password: NEW_PASSWORD }),
        ...forbidden,
      },
      {
        name: 'a users.delete token deletes the admin',
        method: 'DELETE',
        path: user('boss'),
        ...byToken('umaToken'),
        ...forbidden,
      },
      {
        name: "an admin's narrow token adds a user to admin",
        method: 'PUT',
        path: member('admin', 'nobody'),
        ...byToken('bossToken'),
        ...forbidden,
      },
      {
        name: "an admin's narrow token deletes a user holding a permission the token lacks",
        method: 'DELETE',
        path: user('uma'),
        ...byToken('bossToken'),
        ...forbidden,
      },
      {
        name: "the last admin's token takes her out of admin",
        method: 'DELETE',
        path: member('admin', 'boss'),
        ...byToken('bossToken'),
        ...conflict,
      },
      {
        name: "the last admin's token deletes admin",
        method: 'DELETE',
        path: group('admin'),
        ...byToken('bossToken'),
        ...conflict,
      },
      {
        name: "an admin's narrow token grants to admin",
        method: 'PUT',
        path: `${group('admin')}/permissions/users.view`,
        ...byToken('bossToken'),
        ...forbidden,
      },
      {
        name: 'a groups.change token grants it to a group giving what the token lacks, though its owner holds it',
        method: 'PUT',
        path: `${group('managers')}/permissions/groups.change`,
        ...byToken('ginaToken'),
        ...forbidden,
      },
      {
        name: 'a groups.change token renames its group to admin',
        method: 'PATCH',
        path: group('managers'),
        ...byToken('ginaToken', { name: 'admin' }),
        ...forbidden,
      },
      {
        name: 'a groups.change token renames admin',
        method: 'PATCH',
        path: group('admin'),
        ...byToken('ginaToken', { name: 'x' }),
        ...conflict,
      },
    ];
    await runProblemScenarios(t, server.db, clients, scenarios);

    // The admin's password refused above is still the one that works.
    await new Client(server.url).login('boss', PASSWORD);
    const { groups } = await expectOk(await clients.boss.get(user('gina')));
    assert.deepEqual(groups, ['group-managers']);
  });

  it('allows each change up to what the caller holds and refuses the one just past it', async (t) => {
    const { server, ids, groupIds, clients, headers } = await setUp(t);
    const managers = `${GROUPS}/${groupIds.managers}/members`;
    const staff = `${GROUPS}/${groupIds.staff}/members`;

    // joe holds users.view, which uma holds too; gina holds groups.*, which uma does not.
    await expectOk(await clients.uma.patch(`${USERS}/${ids.joe}`, { password: NEW_PASSWORD }));
    await new Client(server.url).login('joe', NEW_PASSWORD);
    await expectProblem(await clients.uma.patch(`${USERS}/${ids.gina}`, { first_name: 'G' }), 403, 'forbidden');

    // group-managers gives what gina holds; staff gives users.view, which she does not.
    assert.equal((await clients.gina.put(`${managers}/${ids.nobody}`)).status, 204);
    await expectProblem(await clients.gina.put(`${staff}/${ids.nobody}`), 403, 'forbidden');
    // Taking away needs only groups.change, and holding what the member holds.
    assert.equal((await clients.gina.delete(`${managers}/${ids.nobody}`)).status, 204);
    assert.equal((await clients.gina.delete(`${GROUPS}/${groupIds.staff}/permissions/users.view`)).status, 204);
    // staff now gives nothing and joe holds nothing: both are hers to change.
    assert.equal((await clients.gina.put(`${staff}/${ids.nobody}`)).status, 204);
    assert.equal((await clients.gina.put(`${managers}/${ids.joe}`)).status, 204);

    // Her groups.change token holds that alone: staff is within it, group-managers is not.
    const token = { headers: headers.ginaToken };
    const bearer = new Client(server.url);
    assert.equal((await bearer.delete(`${staff}/${ids.nobody}`, token)).status, 204);
    assert.equal((await bearer.put(`${staff}/${ids.nobody}`, undefined, token)).status, 204);
    await expectProblem(await bearer.put(`${managers}/${ids.nobody}`, undefined, token), 403, 'forbidden');
  });

  it('lets an admin make another admin, who may then remove, deactivate and delete the first but not herself', async (t) => {
    const { ids, groupIds, clients } = await setUp(t);
    const admins = `${GROUPS}/${groupIds.admin}/members`;
    assert.equal((await clients.boss.put(`${admins}/${ids.uma}`)).status, 204);
    // No longer the last admin, boss still may not deactivate or delete the account she is using.
    await expectProblem(await clients.boss.patch(`${USERS}/${ids.boss}`, { active: false }), 400, 'bad_request');
    await expectProblem(await clients.boss.delete(`${USERS}/${ids.boss}`), 400, 'bad_request');
    assert.equal((await clients.boss.delete(`${admins}/${ids.boss}`)).status, 204);
    // uma, now the only admin, may change anyone.
    await expectOk(await clients.uma.patch(`${USERS}/${ids.gina}`, { active: false }));
    await expectProblem(await clients.uma.delete(`${admins}/${ids.uma}`), 409, 'conflict');
    assert.equal((await clients.uma.put(`${admins}/${ids.boss}`)).status, 204);
    await expectOk(await clients.uma.patch(`${USERS}/${ids.boss}`, { active: false }));
    await expectProblem(await clients.uma.patch(`${USERS}/${ids.uma}`, { active: false }), 409, 'conflict');
    assert.equal((await clients.uma.delete(`${USERS}/${ids.boss}`)).status, 204);
    await expectProblem(await clients.uma.delete(`${USERS}/${ids.uma}`), 409, 'conflict');
    const left = await expectOk(await clients.uma.get(admins));
    assert.deepEqual(
      left.items.map((user: { username: string }) => user.username),
      ['uma'],
    );
  });

  it('counts only active members of admin: an inactive one does not keep the last active admin removable', async (t) => {
    const { server, groupIds, clients } = await setUp(t);
    const dormant = await createUser(server.app, 'dormant', { groups: ['admin'], active: false });
    const boss = (await server.app.users.getUserByUsername('boss')).id;
    await expectProblem(await clients.boss.delete(`${GROUPS}/${groupIds.admin}/members/${boss}`), 409, 'conflict');
    // The inactive admin may go: it leaves the active one in place.
    assert.equal((await clients.boss.delete(`${USERS}/${dormant.id}`)).status, 204);
  });

  it('keeps one of two admins who leave admin at the same moment', async (t) => {
    const { server, ids, groupIds, clients } = await setUp(t);
    const admins = `${GROUPS}/${groupIds.admin}/members`;
    assert.equal((await clients.boss.put(`${admins}/${ids.uma}`)).status, 204);

    const answers = await Promise.all([
      clients.boss.delete(`${admins}/${ids.boss}`),
      clients.uma.delete(`${admins}/${ids.uma}`),
    ]);

    assert.deepEqual(answers.map((answer) => answer.status).sort(), [204, 409]);
    const left = await server.app.users.listMembers(groupIds.admin, { limit: 10, offset: 0 });
    assert.equal(left.total, 1);
  });
});
