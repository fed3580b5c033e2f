import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Db } from '../src/core/db.ts';
import { createDb } from './helpers/built.ts';
import { runCli } from './helpers/cli.ts';
import { createTestDatabase, DATABASE_KIND, type TestDatabase } from './helpers/database.ts';

interface Scenario {
  name: string;
  args: string[];
  /** Replaces the seeded database's URL, for scenarios about the database itself. */
  databaseUrl?: () => string;
  error: RegExp;
  /** Anything else the scenario must leave as it was. */
  unchanged?: () => void;
}

const STRONG = 'a long enough passphrase';

let database: TestDatabase;
let db: Db;
let cwd: string;
let baseline: Awaited<ReturnType<typeof snapshot>>;

/** Every row the users commands could touch, password hashes included. */
async function snapshot(db: Db) {
  return {
    users: await db.selectFrom('users').selectAll().orderBy('id').execute(),
    groups: await db.selectFrom('groups').selectAll().orderBy('id').execute(),
    memberships: await db.selectFrom('user_groups').selectAll().orderBy('user_id').orderBy('group_id').execute(),
    permissions: await db.selectFrom('group_permissions').selectAll().orderBy('group_id').orderBy('codename').execute(),
  };
}

const endpoint = (args: string[], databaseUrl = database.url) =>
  runCli(args, { cwd, env: { ENDPOINT_DATABASE_URL: databaseUrl } });

const scenarios: Scenario[] = [
  {
    name: 'a duplicate username',
    args: ['add-user', '--username', 'joe', '--password', STRONG],
    error: /^error: username "joe" is already taken$/,
  },
  {
    name: 'a username that differs from an existing one only in case',
    args: ['add-user', '--username', 'JOE', '--password', '1234'],
    error: /^error: username "JOE" is already taken$/,
  },
  {
    name: 'a username with a space in it',
    args: ['add-user', '--username', 'joe smith', '--password', STRONG],
    error: /^error: --username must be 1 to 150 letters, digits or @\.\+-_$/,
  },
  {
    name: 'an email that is not an address',
    args: ['add-user', '--username', 'newcomer', '--password', STRONG, '--email', 'newcomer at example'],
    error: /^error: --email must be an email address of at most 254 characters$/,
  },
  {
    name: 'an empty password',
    args: ['add-user', '--username', 'newcomer', '--password', ''],
    error: /^error: --password must not be empty$/,
  },
  {
    name: 'a duplicate group',
    args: ['add-group', '--groupname', 'users'],
    error: /^error: group "users" already exists$/,
  },
  {
    name: 'an empty group name',
    args: ['add-group', '--groupname', ''],
    error: /^error: --groupname must be 1 to 150 characters$/,
  },
  {
    name: 'an unknown group',
    args: ['add-group-member', '--groupname', 'nope', '--membername', 'joe'],
    error: /^error: no group named "nope"$/,
  },
  {
    name: 'an unknown member',
    args: ['add-group-member', '--groupname', 'users', '--membername', 'nobody'],
    error: /^error: no user named "nobody"$/,
  },
  {
    name: 'removing a user from a group they are not in',
    args: ['remove-group-member', '--groupname', 'users', '--membername', 'ann'],
    error: /^error: ann is not in group users$/,
  },
  {
    name: 'a new password for an unknown user',
    args: ['set-password', '--username', 'nobody', '--password', STRONG],
    error: /^error: no user named "nobody"$/,
  },
  {
    name: 'granting an unknown permission',
    args: ['grant', '--groupname', 'users', '--permission', 'users.fly'],
    error: /^error: unknown permission "users\.fly" \(see `endpoint list-permissions`\)$/,
  },
  {
    name: 'granting to an unknown group',
    args: ['grant', '--groupname', 'nope', '--permission', 'users.add'],
    error: /^error: no group named "nope"$/,
  },
  {
    name: 'revoking a permission the group does not have',
    args: ['revoke', '--groupname', 'users', '--permission', 'users.add'],
    error: /^error: group users does not have users\.add$/,
  },
  {
    name: 'a missing required flag',
    args: ['add-group-member', '--groupname', 'users'],
    error: /^error: required option '--membername <username>' not specified/,
  },
  {
    name: 'a flag without its value',
    args: ['add-user', '--username'],
    error: /^error: option '--username <username>' argument missing/,
  },
  {
    name: 'an unknown flag',
    args: ['add-user', '--username', 'newcomer', '--password', STRONG, '--nickname', 'nc'],
    error: /^error: unknown option '--nickname'/,
  },
  {
    name: 'an unknown command',
    args: ['add-usr', '--username', 'newcomer'],
    error: /^error: unknown command 'add-usr'/,
  },
  {
    name: 'add-user before init-db, on a SQLite path where no database is',
    args: ['add-user', '--username', 'newcomer', '--password', STRONG],
    databaseUrl: () => `sqlite:${join(cwd, 'never-created.db')}`,
    error: /^error: no database at sqlite:.*never-created\.db: run `endpoint init-db` first$/,
    unchanged: () => assert.equal(existsSync(join(cwd, 'never-created.db')), false, 'no file is created'),
  },
  {
    name: 'an unreachable PostgreSQL server',
    args: ['add-user', '--username', 'newcomer', '--password', STRONG],
    databaseUrl: () => 'postgres://postgres@127.0.0.1:1/x',
    error: /^error: cannot reach the database: /,
  },
  {
    name: 'an ENDPOINT_DATABASE_URL that is neither sqlite: nor postgres://',
    args: ['list-users'],
    databaseUrl: () => 'mysql://localhost/endpoint',
    error:
      /^error: ENDPOINT_DATABASE_URL must be sqlite:<path> or postgres:\/\/\.\.\., got "mysql:\/\/localhost\/endpoint"$/,
  },
  {
    name: 'migrate down --steps 0',
    args: ['migrate', 'down', '--steps', '0'],
    error: /^error: --steps must be a whole number of 1 or more, got "0"$/,
  },
];

describe('the CLI on bad input', { concurrency: true }, () => {
  before(async () => {
    database = await createTestDatabase();
    cwd = mkdtempSync(join(tmpdir(), 'endpoint-cli-errors-'));
    // Sequential on purpose: each step needs the one before it.
    for (const args of [
      ['init-db'],
      ['add-user', '--username', 'joe', '--password', STRONG],
      ['add-user', '--username', 'ann', '--password', STRONG],
      ['add-group', '--groupname', 'users'],
      ['add-group-member', '--groupname', 'users', '--membername', 'joe'],
      ['grant', '--groupname', 'users', '--permission', 'users.view'],
    ]) {
      const result = await endpoint(args);
      assert.equal(result.code, 0, result.stderr);
    }
    db = createDb(database.url);
    baseline = await snapshot(db);
  });

  after(async () => {
    await db?.destroy();
    await database?.drop();
    if (cwd) rmSync(cwd, { recursive: true, force: true });
  });

  for (const scenario of scenarios) {
    it(`exits 1 with one error line and changes nothing on ${scenario.name}`, async () => {
      const result = await endpoint(scenario.args, scenario.databaseUrl?.());
      assert.equal(result.code, 1, result.stderr);
      assert.equal(result.stdout, '');
      assert.match(result.stderr, /^error: [^\n]+\n$/, 'exactly one line on stderr');
      assert.match(result.stderr.trimEnd(), scenario.error);
      assert.doesNotMatch(result.stderr, /\bat .+:\d+:\d+/, 'no stack trace');
      assert.deepEqual(await snapshot(db), baseline);
      scenario.unchanged?.();
    });
  }

  it(`refuses add-user on an empty ${DATABASE_KIND} database that init-db has not set up`, async (t) => {
    const empty = await createTestDatabase();
    t.after(() => empty.drop());
    const result = await endpoint(['add-user', '--username', 'newcomer', '--password', STRONG], empty.url);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      DATABASE_KIND === 'sqlite'
        ? /^error: no database at .*: run `endpoint init-db` first\n$/
        : /^error: the database schema is not up to date \(\d+ pending\): run `endpoint init-db`\n$/,
    );
  });
});
