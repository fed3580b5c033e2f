import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { expectOk, expectProblem } from './helpers/api.ts';
import { assertMigrated, createDb, migrateToLatest, packages } from './helpers/built.ts';
import { type CliResult, runCli } from './helpers/cli.ts';
import { createTestDatabase } from './helpers/database.ts';
import { Client } from './helpers/http.ts';
import { startTestServer } from './helpers/server.ts';
import { servicesOver } from './helpers/services.ts';
import { createUser, OPERATOR } from './helpers/users.ts';

const TOKEN_LINE = /^ep_[A-Za-z0-9_-]{43}\n$/;

/**
 * A fresh migrated database with joe (group staff: users.view, groups.view) and ann (no group),
 * and `endpoint(...)` to run the real binary against it.
 */
async function setup(t: TestContext) {
  const database = await createTestDatabase();
  const cwd = mkdtempSync(join(tmpdir(), 'endpoint-tokens-cli-'));
  const db = createDb(database.url);
  t.after(async () => {
    await db.destroy();
    await database.drop();
    rmSync(cwd, { recursive: true, force: true });
  });
  assertMigrated(await migrateToLatest(db, packages));
  const { users } = servicesOver(db);
  const joe = await users.createUser(OPERATOR, { username: 'joe', password: 'a long enough passphrase' });
  const ann = await users.createUser(OPERATOR, { username: 'ann', password: 'a long enough passphrase' });
  const staff = await users.createGroup(OPERATOR, { name: 'staff' });
  await users.addMember(OPERATOR, staff.id, joe.id);
  await users.grant(OPERATOR, staff.id, 'users.view');
  await users.grant(OPERATOR, staff.id, 'groups.view');
  const endpoint = (args: string[]) => runCli(args, { cwd, env: { ENDPOINT_DATABASE_URL: database.url } });
  const tokenRows = () => db.selectFrom('api_tokens').selectAll().orderBy('id').execute();
  return { db, users, joe, ann, endpoint, tokenRows };
}

/** A token made with add-token; asserts it printed the token alone on stdout. */
async function addToken(endpoint: (args: string[]) => Promise<CliResult>, args: string[]): Promise<string> {
  const result = await endpoint(['add-token', ...args]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, TOKEN_LINE);
  return result.stdout.trimEnd();
}

/** The rows of a `list-*` output below its header, each split into its aligned columns. */
function table(result: CliResult): { header: string[]; rows: string[][] } {
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr, '');
  const [header, ...rows] = result.stdout.trimEnd().split('\n');
  const starts = [...header.matchAll(/\S+/g)].map((match) => match.index);
  return {
    header: header.split(/\s+/),
    rows: rows.map((row) =>
      starts.map((start, index) => row.slice(start, index + 1 < starts.length ? starts[index + 1] : undefined).trim()),
    ),
  };
}

/** One `error: ...` line on stderr, nothing on stdout, exit 1. */
function assertError(result: CliResult, message: RegExp): void {
  assert.equal(result.code, 1, result.stderr);
  assert.equal(result.stdout, '');
  assert.match(result.stderr, /^error: [^\n]+\n$/);
  assert.match(result.stderr, message);
}

describe('the tokens CLI', { concurrency: true }, () => {
  it('add-token prints the token alone on stdout, says the rest on stderr, and stores only its hash', async (t) => {
    const { joe, endpoint, tokenRows } = await setup(t);
    const result = await endpoint(['add-token', '--username', 'joe', '--name', 'deploy', '--scopes', 'users.view']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, TOKEN_LINE);
    assert.match(
      result.stderr,
      /^created token 1 "deploy" for joe \(scopes users\.view; never expires\); store it now, it is not shown again\n$/,
    );

    const token = result.stdout.trimEnd();
    const [row] = await tokenRows();
    assert.equal(row.user_id, joe.id);
    assert.equal(row.name, 'deploy');
    assert.equal(row.token_hash, createHash('sha256').update(token).digest('hex'));
    assert.equal(row.prefix, token.slice(0, 11));
    assert.deepEqual(JSON.parse(row.scopes), ['users.view']);
    assert.ok(!JSON.stringify(row).includes(token.slice(11)), 'the token is not stored');
  });

  it('add-token takes several comma-separated scopes and an expiry', async (t) => {
    const { endpoint, tokenRows } = await setup(t);
    const before = Date.now();
    await addToken(endpoint, [
      '--username',
      'joe',
      '--name',
      'ci',
      '--scopes',
      'users.view, groups.view,users.view',
      '--expires-in',
      '90d',
    ]);
    const [row] = await tokenRows();
    assert.deepEqual(JSON.parse(row.scopes), ['groups.view', 'users.view']);
    const expires = Date.parse(String(row.expires_at));
    assert.equal(expires - Date.parse(row.created_at), 90 * 86_400_000);
    assert.ok(expires >= before + 90 * 86_400_000 - 1000);
  });

  it('add-token refuses bad input with one error line, exit 1, and stores nothing', async (t) => {
    const { users, ann, endpoint, tokenRows } = await setup(t);
    await users.updateUser(OPERATOR, ann.id, { active: false });
    await users.grant(OPERATOR, (await users.createGroup(OPERATOR, { name: 'ann-group' })).id, 'users.view');
    await users.addMemberByName(OPERATOR, 'ann-group', 'ann');
    const add = (...args: string[]) => endpoint(['add-token', '--name', 'ci', ...args]);
    const cases: [string[], RegExp][] = [
      [['--username', 'nobody', '--scopes', 'users.view'], /^error: no user named "nobody"\n$/],
      [
        ['--username', 'joe', '--scopes', 'users.view,users.add'],
        /^error: the token's owner does not hold permission "users\.add", so the token cannot carry it\n$/,
      ],
      [['--username', 'joe', '--scopes', 'nope.nothing'], /^error: unknown permission "nope\.nothing" in scopes\n$/],
      [['--username', 'joe', '--scopes', 'users.view', '--expires-in', 'soon'], /^error: the expiry "soon" is not/],
      [['--username', 'joe', '--scopes', 'users.view', '--expires-in', '0d'], /^error: the expiry "0d" is not/],
      [['--username', 'joe', '--scopes', 'users.view', '--expires-in', '3651d'], /^error: the expiry "3651d" is not/],
      [['--username', 'ann', '--scopes', 'users.view'], /^error: user "ann" is inactive/],
      [['--username', 'joe', '--scopes', 'users.view', '--name', ''], /^error: --name must be 1 to 100 characters\n$/],
      [
        ['--username', 'joe', '--scopes', 'users.view', '--name', 'n'.repeat(101)],
        /^error: --name must be 1 to 100 characters\n$/,
      ],
    ];
    const results = await Promise.all(cases.map(([args]) => add(...args)));
    for (const [index, result] of results.entries()) assertError(result, cases[index][1]);

    const noName = await endpoint(['add-token', '--username', 'joe', '--scopes', 'users.view']);
    assert.equal(noName.code, 1);
    assert.match(noName.stderr, /^error: required option '--name <name>' not specified/);
    assert.deepEqual(await tokenRows(), []);
  });

  it('list-tokens prints one live token a line with its owner, prefix, scopes, expiry and last use', async (t) => {
    const { db, users, ann, endpoint } = await setup(t);
    await users.addMemberByName(OPERATOR, 'staff', 'ann');
    const first = await addToken(endpoint, ['--username', 'joe', '--name', 'deploy', '--scopes', 'users.view']);
    await addToken(endpoint, [
      '--username',
      'ann',
      '--name',
      'ann laptop',
      '--scopes',
      'users.view,groups.view',
      '--expires-in',
      '30d',
    ]);
    await addToken(endpoint, ['--username', 'joe', '--name', 'old', '--scopes', 'groups.view']);
    const usedAt = '2026-01-02T03:04:05.678Z';
    await db.updateTable('api_tokens').set({ last_used_at: usedAt }).where('id', '=', 1).execute();
    const revoke = await endpoint(['revoke-token', '--id', '3']);
    assert.equal(revoke.code, 0, revoke.stderr);

    const all = table(await endpoint(['list-tokens']));
    assert.deepEqual(all.header, ['ID', 'NAME', 'OWNER', 'PREFIX', 'SCOPES', 'EXPIRES', 'LAST_USED']);
    const [annRow] = await db.selectFrom('api_tokens').selectAll().where('user_id', '=', ann.id).execute();
    assert.deepEqual(all.rows, [
      ['1', 'deploy', 'joe', first.slice(0, 11), 'users.view', 'never', usedAt],
      ['2', 'ann laptop', 'ann', annRow.prefix, 'groups.view,users.view', String(annRow.expires_at), 'never'],
    ]);

    const joes = table(await endpoint(['list-tokens', '--username', 'joe']));
    assert.deepEqual(
      joes.rows.map((row) => row[0]),
      ['1'],
    );
    assertError(await endpoint(['list-tokens', '--username', 'nobody']), /^error: no user named "nobody"\n$/);
  });

  it('revoke-token revokes a token once; unknown, revoked and malformed ids are errors', async (t) => {
    const { endpoint, tokenRows } = await setup(t);
    await addToken(endpoint, ['--username', 'joe', '--name', 'deploy', '--scopes', 'users.view']);

    const revoked = await endpoint(['revoke-token', '--id', '1']);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.equal(revoked.stdout, '');
    assert.equal(revoked.stderr, 'revoked token 1 "deploy" of joe\n');
    const [row] = await tokenRows();
    assert.match(String(row.revoked_at), /^\d{4}-/);

    const [again, unknown, malformed, zero, huge] = await Promise.all([
      endpoint(['revoke-token', '--id', '1']),
      endpoint(['revoke-token', '--id', '42']),
      endpoint(['revoke-token', '--id', 'abc']),
      endpoint(['revoke-token', '--id', '0']),
      endpoint(['revoke-token', '--id', '99999999999']),
    ]);
    assertError(again, /^error: token 1 is already revoked\n$/);
    assertError(unknown, /^error: no token with id 42\n$/);
    for (const result of [malformed, zero, huge]) assertError(result, /^error: --id must be a token id/);
    assert.deepEqual(await tokenRows(), [row]);
  });

  it('add-token and revoke-token take effect on a running server at its next request', async (t) => {
    const server = await startTestServer(t);
    await createUser(server.app, 'joe', { groups: ['staff'], permissions: ['users.view'] });
    const env = { ENDPOINT_DATABASE_URL: server.databaseUrl };
    const added = await runCli(['add-token', '--username', 'joe', '--name', 'ci', '--scopes', 'users.view'], { env });
    assert.equal(added.code, 0, added.stderr);
    const program = new Client(server.url);
    const headers = { authorization: `Bearer ${added.stdout.trimEnd()}` };
    await expectOk(await program.get('/api/v1/users', { headers }));

    const listed = await runCli(['list-tokens'], { env });
    const id = table(listed).rows[0][0];
    const revoked = await runCli(['revoke-token', '--id', id], { env });
    assert.equal(revoked.code, 0, revoked.stderr);
    await expectProblem(await program.get('/api/v1/users', { headers }), 401, 'unauthenticated');
  });

  it('set-password leaves the user’s API tokens working; set-password --revoke-tokens ends every one of them', async (t) => {
    const server = await startTestServer(t);
    await createUser(server.app, 'joe', { groups: ['staff'], permissions: ['users.view'] });
    await createUser(server.app, 'ann', { groups: ['staff'] });
    const env = { ENDPOINT_DATABASE_URL: server.databaseUrl };
    const add = async (username: string, name: string) => {
      const added = await runCli(['add-token', '--username', username, '--name', name, '--scopes', 'users.view'], {
        env,
      });
      assert.equal(added.code, 0, added.stderr);
      return { authorization: `Bearer ${added.stdout.trimEnd()}` };
    };
    const [first, second, anns] = [await add('joe', 'ci'), await add('joe', 'deploy'), await add('ann', 'ci')];
    const program = new Client(server.url);

    const plain = await runCli(['set-password', '--username', 'joe', '--password', 'a first new passphrase'], { env });
    assert.equal(plain.code, 0, plain.stderr);
    for (const headers of [first, second]) await expectOk(await program.get('/api/v1/users', { headers }));

    const revoking = await runCli(
      ['set-password', '--username', 'joe', '--password', 'a second new passphrase', '--revoke-tokens'],
      { env },
    );
    assert.equal(revoking.code, 0, revoking.stderr);
    assert.match(
      revoking.stderr,
      /^changed the password of joe; their sessions have ended and 2 API token\(s\) are revoked\n$/,
    );
    for (const headers of [first, second]) {
      await expectProblem(await program.get('/api/v1/users', { headers }), 401, 'unauthenticated');
    }
    await expectOk(await program.get('/api/v1/users', { headers: anns }));
  });
});
