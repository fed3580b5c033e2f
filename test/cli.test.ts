import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import type { Db } from '../src/core/db.ts';
import { createDb, InvalidCredentialsError, permissions } from './helpers/built.ts';
import { type CliResult, runCli } from './helpers/cli.ts';
import { createTestDatabase } from './helpers/database.ts';
import { servicesOver } from './helpers/services.ts';

/**
 * A fresh database (migrated unless told otherwise) and an empty working directory for one
 * test, and `endpoint(...)` to run the real binary against them. `openDb()` looks at the same
 * database from the test.
 */
async function setup(t: TestContext, { migrated = true } = {}) {
  const database = await createTestDatabase();
  const cwd = mkdtempSync(join(tmpdir(), 'endpoint-cli-'));
  const opened: Db[] = [];
  t.after(async () => {
    await Promise.all(opened.map((db) => db.destroy()));
    await database.drop();
    rmSync(cwd, { recursive: true, force: true });
  });
  const endpoint = (args: string[], input?: string) =>
    runCli(args, { cwd, input, env: { ENDPOINT_DATABASE_URL: database.url } });
  if (migrated) {
    const init = await endpoint(['init-db']);
    assert.equal(init.code, 0, init.stderr);
  }
  return {
    endpoint,
    openDb: () => {
      const db = createDb(database.url);
      opened.push(db);
      return db;
    },
  };
}

/** The command succeeded, printed nothing on stdout, and the given lines (only) on stderr. */
function assertConfirmed(result: CliResult, ...lines: RegExp[]): void {
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, '');
  const printed = result.stderr.trimEnd().split('\n');
  assert.equal(printed.length, lines.length, result.stderr);
  for (const [index, line] of lines.entries()) assert.match(printed[index], line);
}

/** The rows of a `list-*` output below its header, each split into its aligned columns. */
function table(result: CliResult): string[][] {
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr, '');
  const [header, ...rows] = result.stdout.trimEnd().split('\n');
  const starts = [...header.matchAll(/\S+/g)].map((match) => match.index);
  return rows.map((row) =>
    starts.map((start, index) => row.slice(start, index + 1 < starts.length ? starts[index + 1] : undefined).trim()),
  );
}

describe('the users CLI', { concurrency: true }, () => {
  it('runs the original seed flow, lists what it made, and init-db again changes nothing', async (t) => {
    const { endpoint } = await setup(t, { migrated: false });
    const init = await endpoint(['init-db']);
    assert.equal(init.code, 0, init.stderr);
    assert.equal(init.stdout, '');
    // One line per migration of every package, then the closing line.
    assert.match(init.stderr, /^(applied \S+\n)+database ready: \S+\n$/);

    assertConfirmed(
      await endpoint(['add-user', '--username', 'admin', '--password', '1234']),
      /^warning: the password must be at least 8 characters/,
      /^created user admin \(id \d+\)$/,
    );
    assertConfirmed(
      await endpoint(['add-user', '--username', 'joe', '--password', '1234']),
      /^warning: /,
      /^created user joe /,
    );
    assertConfirmed(await endpoint(['add-group', '--groupname', 'admin']), /^created group admin /);
    assertConfirmed(await endpoint(['add-group', '--groupname', 'users']), /^created group users /);
    assertConfirmed(
      await endpoint(['add-group-member', '--groupname', 'admin', '--membername', 'admin']),
      /^added admin to group admin$/,
    );
    assertConfirmed(
      await endpoint(['add-group-member', '--groupname', 'users', '--membername', 'joe']),
      /^added joe to group users$/,
    );

    const [users, groups] = await Promise.all([endpoint(['list-users']), endpoint(['list-groups'])]);
    assert.match(users.stdout, /^ID +USERNAME +NAME +EMAIL +ACTIVE +GROUPS\n/);
    assert.deepEqual(table(users), [
      ['1', 'admin', '-', '-', 'yes', 'admin'],
      ['2', 'joe', '-', '-', 'yes', 'users'],
    ]);
    assert.match(groups.stdout, /^ID +NAME +MEMBERS +PERMISSIONS +DESCRIPTION\n/);
    assert.deepEqual(table(groups), [
      ['1', 'admin', '1', 'all', '-'],
      ['2', 'users', '1', '-', '-'],
    ]);

    // Nothing applied the second time: only the closing line.
    assertConfirmed(await endpoint(['init-db']), /^database ready: /);
  });

  it('stores the names and email given to add-user and shows them in list-users', async (t) => {
    const { endpoint } = await setup(t);
    const added = await endpoint([
      'add-user',
      '--username',
      'ann',
      '--password',
      'a long enough passphrase',
      '--firstname',
      'Ann',
      '--lastname',
      'Lee',
      '--email',
      'ann@example.com',
    ]);
    assertConfirmed(added, /^created user ann /);
    assert.deepEqual(table(await endpoint(['list-users'])), [['1', 'ann', 'Ann Lee', 'ann@example.com', 'yes', '-']]);
  });

  it('grants and revokes permissions by codename, and list-permissions shows every codename', async (t) => {
    const { endpoint } = await setup(t);
    await endpoint(['add-group', '--groupname', 'editors', '--description', 'They edit things']);

    const grant = ['grant', '--groupname', 'editors', '--permission'];
    assertConfirmed(await endpoint([...grant, 'users.view']), /^granted users\.view to group editors$/);
    assertConfirmed(await endpoint([...grant, 'users.add']), /^granted users\.add /);
    assertConfirmed(await endpoint([...grant, 'users.add']), /^group editors already had users\.add$/);
    assert.deepEqual(table(await endpoint(['list-groups'])), [
      ['1', 'editors', '0', 'users.add,users.view', 'They edit things'],
    ]);

    assertConfirmed(
      await endpoint(['revoke', '--groupname', 'editors', '--permission', 'users.add']),
      /^revoked users\.add from group editors$/,
    );
    assert.deepEqual(table(await endpoint(['list-groups'])), [['1', 'editors', '0', 'users.view', 'They edit things']]);

    const listed = await endpoint(['list-permissions']);
    assert.deepEqual(table(listed), [...permissions]);
  });

  it('set-password makes the new password the one that works and ends the user’s sessions', async (t) => {
    const { endpoint, openDb } = await setup(t);
    await endpoint(['add-user', '--username', 'joe', '--password', 'the first passphrase']);
    const db = openDb();
    const { users, sessions } = servicesOver(db);
    const joe = await users.getUserByUsername('joe');
    const session = await sessions.start(joe.id, { ip: '127.0.0.1', userAgent: 'test' });
    assert.ok(await sessions.resolve(session));

    assertConfirmed(
      await endpoint(['set-password', '--username', 'joe', '--password', 'the second passphrase']),
      /^changed the password of joe; their sessions have ended$/,
    );
    assert.equal((await users.authenticate('joe', 'the second passphrase', '127.0.0.1')).id, joe.id);
    await assert.rejects(users.authenticate('joe', 'the first passphrase', '127.0.0.1'), InvalidCredentialsError);
    assert.equal(await sessions.resolve(session), undefined);

    assertConfirmed(
      await endpoint(['set-password', '--username', 'joe', '--password', 'short']),
      /^warning: the password must be at least 8 characters/,
      /^changed the password of joe/,
    );
    assert.equal((await users.authenticate('joe', 'short', '127.0.0.1')).id, joe.id);
  });

  it('remove-group-member takes a user out of a group and fails when they are not in it', async (t) => {
    const { endpoint } = await setup(t);
    await endpoint(['add-user', '--username', 'joe', '--password', 'a long enough passphrase']);
    await endpoint(['add-group', '--groupname', 'users']);
    await endpoint(['add-group-member', '--groupname', 'users', '--membername', 'joe']);
    assertConfirmed(
      await endpoint(['add-group-member', '--groupname', 'users', '--membername', 'joe']),
      /^joe was already in group users$/,
    );

    const remove = ['remove-group-member', '--groupname', 'users', '--membername', 'joe'];
    assertConfirmed(await endpoint(remove), /^removed joe from group users$/);
    assert.deepEqual(table(await endpoint(['list-users'])), [['1', 'joe', '-', '-', 'yes', '-']]);

    const again = await endpoint(remove);
    assert.equal(again.code, 1);
    assert.equal(again.stderr, 'error: joe is not in group users\n');
  });

  it('add-user and set-password refuse to read a password from stdin that is not a terminal', async (t) => {
    const { endpoint } = await setup(t);
    const expected = 'error: --password is required when stdin is not a terminal\n';

    const added = await endpoint(['add-user', '--username', 'joe'], 'piped secret\npiped secret\n');
    assert.equal(added.code, 1);
    assert.equal(added.stderr, expected);
    assert.deepEqual(table(await endpoint(['list-users'])), []);

    await endpoint(['add-user', '--username', 'ann', '--password', 'a long enough passphrase']);
    const changed = await endpoint(['set-password', '--username', 'ann'], 'piped secret\n');
    assert.equal(changed.code, 1);
    assert.equal(changed.stderr, expected);
  });

  it('documents every command, and the flags of each under --help', async () => {
    const [overview, addUser, grant] = await Promise.all([
      runCli(['--help']),
      runCli(['add-user', '--help']),
      runCli(['grant', '--help']),
    ]);
    for (const command of [
      'add-user',
      'add-group',
      'add-group-member',
      'remove-group-member',
      'set-password',
      'list-users',
      'list-groups',
      'grant',
      'revoke',
      'list-permissions',
    ]) {
      assert.match(overview.stdout, new RegExp(`^  ${command} `, 'm'));
    }
    for (const flag of ['--username', '--password', '--firstname', '--lastname', '--email']) {
      assert.match(addUser.stdout, new RegExp(`^  ${flag} <`, 'm'));
    }
    assert.equal(grant.code, 0);
    assert.match(grant.stdout.replace(/\s+/g, ' '), /--permission <codename> .*see `endpoint list-permissions`/);
  });
});
