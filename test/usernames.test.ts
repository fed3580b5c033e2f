import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectOk, expectProblem } from './helpers/api.ts';
import { createDb, createMigrator, packages } from './helpers/built.ts';
import { runCli } from './helpers/cli.ts';
import { createTestDatabase } from './helpers/database.ts';
import { Client } from './helpers/http.ts';
import { submitLogin } from './helpers/pages.ts';
import { startTestServer } from './helpers/server.ts';
import { createUser, PASSWORD } from './helpers/users.ts';

const USERS = '/api/v1/users';
const KEY_MIGRATION = '2026_11_29_220000_users_add_username_key';
// One name in the forms it may be typed in: composed (U+00C4), decomposed (A + U+0308), other cases.
const COMPOSED = '\u00c4rger';
const DECOMPOSED = 'A\u0308rger';
const SPELLINGS = [COMPOSED, DECOMPOSED, '\u00e4rger', 'a\u0308rger', '\u00c4RGER', 'A\u0308RGER'];

describe('usernames that differ only in case or Unicode form', () => {
  it('are one user over the API: a second is refused with 409, and any spelling logs the first in', async (t) => {
    const server = await startTestServer(t);
    await createUser(server.app, 'boss', { groups: ['admin'] });
    const boss = new Client(server.url);
    await boss.login('boss', PASSWORD);

    const created = await expectOk(await boss.post(USERS, { username: COMPOSED, password: PASSWORD }), 201);
    assert.equal(created.username, COMPOSED);
    for (const username of SPELLINGS) {
      await expectProblem(await boss.post(USERS, { username, password: PASSWORD }), 409, 'conflict');
    }
    const list = await expectOk(await boss.get(`${USERS}/?limit=200`));
    assert.deepEqual(list.items.map((user: { username: string }) => user.username).sort(), ['boss', COMPOSED]);

    for (const username of SPELLINGS) {
      const client = new Client(server.url);
      const user = await expectOk(await client.post(`${USERS}/authenticate`, { username, password: PASSWORD }));
      assert.equal(user.id, created.id, username);
      assert.equal(user.username, COMPOSED, 'the name is shown as it was typed at creation');
    }
    const page = await submitLogin(new Client(server.url), { username: 'a\u0308RGER', password: PASSWORD });
    assert.equal(page.status, 303);
  });

  it('are one user for the CLI: add-user refuses the second, set-password and add-group-member find the first', async (t) => {
    const server = await startTestServer(t);
    const endpoint = (...args: string[]) => runCli(args, { env: { ENDPOINT_DATABASE_URL: server.databaseUrl } });
    const added = await endpoint('add-user', '--username', COMPOSED, '--password', 'the first passphrase');
    assert.equal(added.code, 0, added.stderr);
    for (const username of ['\u00e4rger', DECOMPOSED]) {
      const refused = await endpoint('add-user', '--username', username, '--password', 'another passphrase');
      assert.equal(refused.code, 1, username);
      assert.match(refused.stderr, /^error: .*already taken/, username);
    }

    const changed = await endpoint('set-password', '--username', '\u00c4RGER', '--password', 'the second passphrase');
    assert.equal(changed.code, 0, changed.stderr);
    assert.match(changed.stderr, new RegExp(`changed the password of ${COMPOSED}`));
    const login = (username: string, password: string) =>
      new Client(server.url).post(`${USERS}/authenticate`, { username, password });
    assert.equal((await login(DECOMPOSED, 'the second passphrase')).status, 200);
    await expectProblem(await login(COMPOSED, 'the first passphrase'), 401, 'invalid_credentials');

    assert.equal((await endpoint('add-group', '--groupname', 'staff')).code, 0);
    const member = await endpoint('add-group-member', '--groupname', 'staff', '--membername', 'a\u0308rger');
    assert.equal(member.code, 0, member.stderr);
    const users = await server.app.users.listUsers({ limit: 50, offset: 0 });
    assert.deepEqual(
      users.items.map((user) => [user.username, user.groups]),
      [[COMPOSED, ['staff']]],
    );
  });

  it('stop the migration that keys usernames, naming the clash, until one of them is gone', async (t) => {
    const database = await createTestDatabase();
    const db = createDb(database.url);
    t.after(async () => {
      await db.destroy();
      await database.drop();
    });
    const migrator = createMigrator(db, packages);
    const names = (await migrator.getMigrations()).map((migration) => migration.name);
    const before = names[names.indexOf(KEY_MIGRATION) - 1];
    assert.ok(before, names.join(', '));
    assert.equal((await migrator.migrateTo(before)).error, undefined);
    // What the old rule let in on both databases: lower() keeps the two forms apart.
    const at = new Date().toISOString();
    const row = { password_hash: 'x', active: 1, created_at: at, updated_at: at };
    await db
      .insertInto('users')
      .values([
        { ...row, username: COMPOSED },
        { ...row, username: DECOMPOSED },
      ] as never)
      .execute();
    const env = { ENDPOINT_DATABASE_URL: database.url };

    const refused = await runCli(['migrate', 'up'], { env });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, new RegExp(`^failed ${KEY_MIGRATION}\n`));
    assert.match(refused.stderr, new RegExp(`"${COMPOSED}" \\(id 1\\) and "${DECOMPOSED}" \\(id 2\\)`));
    const columns = (await db.introspection.getTables()).find((table) => table.name === 'users')?.columns;
    assert.ok(columns && !columns.some((column) => column.name === 'username_key'), 'the schema is unchanged');
    assert.equal((await db.selectFrom('users').selectAll().execute()).length, 2);

    await db.deleteFrom('users').where('id', '=', 2).execute();
    const applied = await runCli(['migrate', 'up'], { env });
    assert.equal(applied.code, 0, applied.stderr);
    const changed = await runCli(['set-password', '--username', '\u00e4rger', '--password', 'a new passphrase'], {
      env,
    });
    assert.equal(changed.code, 0, changed.stderr);
  });
});
