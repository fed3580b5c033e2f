import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { expectOk, expectProblem, usersTablesSnapshot } from './helpers/api.ts';
import { assertTrailHoldsNone, auditRows, onlyEntry } from './helpers/audit.ts';
import { postHook, signedHeaders } from './helpers/hooks.ts';
import { Client } from './helpers/http.ts';
import { startTestServer } from './helpers/server.ts';
import { createUser, OPERATOR, PASSWORD } from './helpers/users.ts';

const ADDRESS = '127.0.0.1';

/**
 * A server without a worker (replays stay pending), `boss` in admin logged in, and a bearer
 * token of hers holding every permission: changes are made through it so entries name it.
 */
async function setUp(t: TestContext) {
  const server = await startTestServer(t, { env: { ENDPOINT_HOOK_WORKER: 'off' } });
  const boss = await createUser(server.app, 'boss', { groups: ['admin'] });
  const session = new Client(server.url);
  await session.login('boss', PASSWORD);
  const scopes = [...server.app.users.permissions.keys()];
  const created = await expectOk(await session.post('/api/v1/tokens', { name: 'audit test', scopes }), 201);
  const bearer = { authorization: `Bearer ${created.token}` };
  const api = {
    get: (path: string) => session.get(path, { headers: bearer }),
    post: (path: string, body?: unknown) => session.post(path, body, { headers: bearer }),
    put: (path: string) => session.put(path, undefined, { headers: bearer }),
    patch: (path: string, body: unknown) => session.patch(path, body, { headers: bearer }),
    delete: (path: string) => session.delete(path, { headers: bearer }),
  };
  return { server, boss, session, token: created as { id: number; token: string }, api };
}

/** Asserts the entry names boss, through the token when given, from the test's address. */
function assertByBoss(entry: Awaited<ReturnType<typeof onlyEntry>>, bossId: number, tokenId: number | null) {
  assert.equal(entry.actor_kind, 'user');
  assert.equal(entry.actor_user_id, bossId);
  assert.equal(entry.actor_username, 'boss');
  assert.equal(entry.actor_token_id, tokenId);
  assert.equal(entry.address, ADDRESS);
}

describe('the audit trail', () => {
  it('records logins, failed logins and logouts, never the password tried', async (t) => {
    const { server, boss, session } = await setUp(t);
    const login = await onlyEntry(server.db, 'login.succeeded');
    assertByBoss(login, boss.id, null);
    assert.equal(login.target, `user:${boss.id}`);

    const wrong = 'not-the-password-of-boss';
    await expectProblem(
      await new Client(server.url).post('/api/v1/users/authenticate', { username: 'boss', password: wrong }),
      401,
      'invalid_credentials',
    );
    await expectProblem(
      await new Client(server.url).post('/api/v1/users/authenticate', { username: 'ghost', password: wrong }),
      401,
      'invalid_credentials',
    );
    const [known, unknown] = await auditRows(server.db, 'login.failed');
    assert.equal(known.actor_kind, 'anonymous');
    assert.equal(known.actor_user_id, null);
    assert.equal(known.address, ADDRESS);
    assert.equal(known.target, `user:${boss.id}`);
    assert.equal(JSON.parse(known.summary).username, 'boss');
    assert.equal(unknown.target, 'username:ghost');
    assert.equal(JSON.parse(unknown.summary).username, 'ghost');

    assert.equal(await onlyEntry(server.db, 'token.created').then((entry) => entry.actor_token_id), null);
    assert.equal((await session.post('/api/v1/users/logout')).status, 204);
    const logout = await onlyEntry(server.db, 'logout');
    assertByBoss(logout, boss.id, null);
    await assertTrailHoldsNone(server.db, [wrong, PASSWORD]);
  });

  it('records user, group, membership and permission changes with the token used, before and after', async (t) => {
    const { server, boss, token, api } = await setUp(t);
    const joePassword = 'joe has a long passphrase';
    const joe = await expectOk(await api.post('/api/v1/users', { username: 'joe', password: joePassword }), 201);
    const created = await onlyEntry(server.db, 'user.created', `user:${joe.id}`);
    assertByBoss(created, boss.id, token.id);
    assert.deepEqual(created.summary.after, {
      username: 'joe',
      first_name: '',
      last_name: '',
      email: '',
      active: true,
    });

    await expectOk(await api.patch(`/api/v1/users/${joe.id}`, { first_name: 'Joe' }));
    await expectOk(await api.patch(`/api/v1/users/${joe.id}`, { active: false }));
    const newPassword = 'a brand new passphrase for joe';
    await expectOk(await api.patch(`/api/v1/users/${joe.id}`, { password: newPassword }));
    const updates = (await auditRows(server.db, 'user.updated')).map((row) => JSON.parse(row.summary));
    assert.deepEqual(updates, [
      { before: { first_name: '' }, after: { first_name: 'Joe' } },
      { before: { active: true }, after: { active: false } },
      { before: {}, after: {}, password: 'changed' },
    ]);

    const staff = await expectOk(await api.post('/api/v1/groups', { name: 'staff' }), 201);
    assertByBoss(await onlyEntry(server.db, 'group.created', 'group:staff'), boss.id, token.id);
    await expectOk(await api.patch(`/api/v1/groups/${staff.id}`, { description: 'the staff' }));
    assert.deepEqual((await onlyEntry(server.db, 'group.updated')).summary, {
      group_id: staff.id,
      before: { description: '' },
      after: { description: 'the staff' },
    });
    assert.equal((await api.put(`/api/v1/groups/${staff.id}/members/${joe.id}`)).status, 204);
    assert.equal((await api.put(`/api/v1/groups/${staff.id}/permissions/users.view`)).status, 204);
    assert.equal((await api.delete(`/api/v1/groups/${staff.id}/permissions/users.view`)).status, 204);
    assert.equal((await api.delete(`/api/v1/groups/${staff.id}/members/${joe.id}`)).status, 204);
    for (const action of ['membership.added', 'membership.removed']) {
      const entry = await onlyEntry(server.db, action, 'group:staff');
      assertByBoss(entry, boss.id, token.id);
      assert.deepEqual(entry.summary, { group_id: staff.id, user_id: joe.id, username: 'joe' });
    }
    for (const action of ['permission.granted', 'permission.revoked']) {
      const entry = await onlyEntry(server.db, action, 'group:staff');
      assertByBoss(entry, boss.id, token.id);
      assert.equal(entry.summary.permission, 'users.view');
    }
    assert.equal((await api.delete(`/api/v1/groups/${staff.id}`)).status, 204);
    assert.equal((await onlyEntry(server.db, 'group.deleted')).summary.before.name, 'staff');
    assert.equal((await api.delete(`/api/v1/users/${joe.id}`)).status, 204);
    const deleted = await onlyEntry(server.db, 'user.deleted');
    assertByBoss(deleted, boss.id, token.id);
    assert.equal(deleted.summary.before.username, 'joe');

    // The trail outlives the user: nothing cascaded away.
    assert.equal((await auditRows(server.db, 'user.created')).length, 2);
    const hashes = await server.db.selectFrom('users').select('password_hash').execute();
    await assertTrailHoldsNone(server.db, [
      joePassword,
      newPassword,
      PASSWORD,
      ...hashes.map((row) => row.password_hash),
    ]);
  });

  it('records token creation and revocation by id and name, never the token', async (t) => {
    const { server, boss, session, token } = await setUp(t);
    const created = await onlyEntry(server.db, 'token.created');
    assertByBoss(created, boss.id, null);
    assert.equal(created.target, `token:${token.id}`);
    assert.equal(created.summary.name, 'audit test');
    assert.equal((await session.delete(`/api/v1/tokens/${token.id}`)).status, 204);
    const revoked = await onlyEntry(server.db, 'token.revoked');
    assertByBoss(revoked, boss.id, null);
    assert.deepEqual(revoked.summary, { token_id: token.id, name: 'audit test', owner_id: boss.id, owner: 'boss' });
    const hash = await server.db.selectFrom('api_tokens').select('token_hash').executeTakeFirstOrThrow();
    await assertTrailHoldsNone(server.db, [token.token, hash.token_hash]);
  });

  it('records hook creation, change, secret rotation and removal, replay and deletion, never a secret', async (t) => {
    const { server, boss, token, api } = await setUp(t);
    const hook = await expectOk(
      await api.post('/api/v1/hooks', { name: 'sw', handler: 'inbox', verify: 'standard' }),
      201,
    );
    const created = await onlyEntry(server.db, 'hook.created');
    assertByBoss(created, boss.id, token.id);
    assert.equal(created.target, 'hook:sw');
    assert.deepEqual(created.summary.after, { handler: 'inbox', verify: 'standard', legacy_path: null });

    const body = '{"n":1}';
    const headers = {
      ...(await signedHeaders('standard', hook.secret, 'msg_1', body)),
      'content-type': 'application/json',
    };
    const delivery = await expectOk(await postHook(server.url, '/hooks/sw', body, headers), 202);
    assert.equal((await api.post(`/api/v1/deliveries/${delivery.id}/replay`)).status, 202);
    const replayed = await onlyEntry(server.db, 'delivery.replayed');
    assertByBoss(replayed, boss.id, token.id);
    assert.equal(replayed.target, `delivery:${delivery.id}`);
    assert.deepEqual(replayed.summary, { hook: 'sw', external_id: 'msg_1' });

    const rotated = await expectOk(await api.post('/api/v1/hooks/sw/rotate-secret', {}));
    assert.equal((await onlyEntry(server.db, 'hook.secret_rotated')).summary.generated, true);
    const removed = await expectOk(await api.post('/api/v1/hooks/sw/rotate-secret', { overlap: '0s' }));
    const removal = await onlyEntry(server.db, 'hook.secret_rotated_old_removed');
    assert.equal(removal.summary.previous_secrets_expire_at, null);
    const switched = await expectOk(await api.patch('/api/v1/hooks/sw', { verify: 'github', handler: 'inbox' }));
    const updated = await onlyEntry(server.db, 'hook.updated');
    assert.deepEqual(updated.summary.before, { handler: 'inbox', verify: 'standard', legacy_path: null });
    assert.deepEqual(updated.summary.after, { handler: 'inbox', verify: 'github', legacy_path: null });
    assert.equal(updated.summary.secret, 'changed');
    assert.equal((await api.delete('/api/v1/hooks/sw')).status, 204);
    assertByBoss(await onlyEntry(server.db, 'hook.deleted'), boss.id, token.id);

    const sealed = await server.db.selectFrom('hooks').select('secrets').execute();
    await assertTrailHoldsNone(server.db, [
      hook.secret,
      rotated.secret,
      removed.secret,
      switched.secret,
      ...sealed.map((row) => row.secrets),
    ]);
  });

  it('names the operator for changes made from the CLI side of the services', async (t) => {
    const { server } = await setUp(t);
    const group = await server.app.users.createGroup(OPERATOR, { name: 'ops' });
    const entry = await onlyEntry(server.db, 'group.created', 'group:ops');
    assert.equal(entry.actor_kind, 'operator');
    assert.equal(entry.actor_username, 'cli');
    assert.equal(entry.actor_user_id, null);
    assert.equal(entry.address, null);
    assert.equal(entry.summary.group_id, group.id);
  });

  it('writes no entry and changes nothing when the change is refused', async (t) => {
    const { server, session } = await setUp(t);
    await createUser(server.app, 'gina', { groups: ['managers'], permissions: ['groups.change'] });
    const gina = new Client(server.url);
    await gina.login('gina', PASSWORD);
    const managers = await server.app.users.getGroupByName('managers');
    const admin = await server.app.users.getGroupByName('admin');
    const bossId = (await server.app.users.getUserByUsername('boss')).id;
    const before = { users: await usersTablesSnapshot(server.db), audit: await auditRows(server.db) };

    await expectProblem(await gina.put(`/api/v1/groups/${managers.id}/permissions/users.change`), 403, 'forbidden');
    await expectProblem(await session.post('/api/v1/users', { username: 'gina', password: PASSWORD }), 409, 'conflict');
    await expectProblem(await session.delete(`/api/v1/groups/${admin.id}/members/${bossId}`), 409, 'conflict');
    await expectProblem(await session.post('/api/v1/groups', { name: 'managers' }), 409, 'conflict');

    assert.deepEqual(await usersTablesSnapshot(server.db), before.users);
    assert.deepEqual(await auditRows(server.db), before.audit);
  });
});
