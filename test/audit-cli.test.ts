import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { assertTrailHoldsNone, auditRows, onlyEntry } from './helpers/audit.ts';
import { runCli } from './helpers/cli.ts';
import { startTestServer, TEST_SECRET_KEY } from './helpers/server.ts';

async function setUp(t: TestContext) {
  const server = await startTestServer(t, { env: { ENDPOINT_HOOK_WORKER: 'off' } });
  const env = { ENDPOINT_DATABASE_URL: server.databaseUrl, ENDPOINT_SECRET_KEY: TEST_SECRET_KEY };
  const endpoint = async (...args: string[]) => {
    const result = await runCli(args, { env });
    assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
    return result.stdout;
  };
  return { server, env, endpoint };
}

describe('audit from the command line', () => {
  it('records what commands change as the operator from the cli, never a password, token or secret', async (t) => {
    const { server, endpoint } = await setUp(t);
    const password = 'the cli passphrase of joe';
    await endpoint('add-user', '--username', 'joe', '--password', password);
    await endpoint('add-group', '--groupname', 'staff');
    await endpoint('add-group-member', '--groupname', 'staff', '--membername', 'joe');
    await endpoint('grant', '--groupname', 'staff', '--permission', 'users.view');
    await endpoint('revoke', '--groupname', 'staff', '--permission', 'users.view');
    await endpoint('remove-group-member', '--groupname', 'staff', '--membername', 'joe');
    const newPassword = 'the second cli passphrase';
    const token = (await endpoint('add-token', '--username', 'joe', '--name', 'ci')).trim();
    await endpoint('set-password', '--username', 'joe', '--password', newPassword, '--revoke-tokens');
    const secret = (await endpoint('add-hook', '--name', 'sw', '--handler', 'inbox', '--verify', 'standard')).trim();
    const rotated = (await endpoint('rotate-hook-secret', '--name', 'sw')).trim();
    await endpoint('remove-hook', '--name', 'sw');

    const joe = await server.app.users.getUserByUsername('joe');
    const expected: [string, string][] = [
      ['user.created', `user:${joe.id}`],
      ['group.created', 'group:staff'],
      ['membership.added', 'group:staff'],
      ['permission.granted', 'group:staff'],
      ['permission.revoked', 'group:staff'],
      ['membership.removed', 'group:staff'],
      ['token.created', 'token:1'],
      ['user.updated', `user:${joe.id}`],
      ['token.revoked_all', `user:${joe.id}`],
      ['hook.created', 'hook:sw'],
      ['hook.secret_rotated', 'hook:sw'],
      ['hook.deleted', 'hook:sw'],
    ];
    const rows = await auditRows(server.db);
    assert.deepEqual(
      rows.map((row) => [row.action, row.target]),
      expected,
    );
    for (const row of rows) {
      assert.deepEqual(
        [row.actor_kind, row.actor_username, row.actor_user_id, row.address],
        ['operator', 'cli', null, null],
      );
    }
    assert.equal((await onlyEntry(server.db, 'user.updated')).summary.password, 'changed');
    const hash = await server.db.selectFrom('users').select('password_hash').executeTakeFirstOrThrow();
    await assertTrailHoldsNone(server.db, [password, newPassword, token, secret, rotated, hash.password_hash]);
  });

  it('lists entries filtered by actor, action and age, newest first, up to --limit', async (t) => {
    const { server, endpoint } = await setUp(t);
    for (const name of ['g1', 'g2', 'g3']) await endpoint('add-group', '--groupname', name);
    // An entry from two hours ago, as if written then.
    await server.db
      .insertInto('audit_entries')
      .values({
        at: new Date(Date.now() - 2 * 3_600_000).toISOString(),
        actor_user_id: null,
        actor_username: 'cli',
        actor_token_id: null,
        actor_kind: 'operator',
        address: null,
        action: 'group.created',
        target: 'group:old',
        summary: '{}',
      })
      .execute();

    const lines = (text: string) => text.trimEnd().split('\n');
    const all = lines(await endpoint('audit', '--actor', 'cli', '--action', 'group.created'));
    assert.match(all[0], /^AT\s+ACTOR\s+TOKEN\s+ADDRESS\s+ACTION\s+TARGET\s+SUMMARY$/);
    assert.deepEqual(
      all.slice(1).map((line) => line.split(/ {2,}/)[5]),
      ['group:old', 'group:g3', 'group:g2', 'group:g1'],
    );
    const recent = lines(await endpoint('audit', '--action', 'group.created', '--since', '1h'));
    assert.deepEqual(
      recent.slice(1).map((line) => line.split(/ {2,}/)[5]),
      ['group:g3', 'group:g2', 'group:g1'],
    );
    const one = lines(await endpoint('audit', '--since', '1h', '--limit', '1'));
    assert.equal(one.length, 2);
    assert.match(one[1], /group:g3/);
    assert.equal(lines(await endpoint('audit', '--actor', 'nobody')).length, 1);
  });

  it('prunes entries older than a duration and prints how many it removed', async (t) => {
    const { server, env, endpoint } = await setUp(t);
    await endpoint('add-group', '--groupname', 'kept');
    const old = (days: number, target: string) => ({
      at: new Date(Date.now() - days * 86_400_000).toISOString(),
      actor_user_id: null,
      actor_username: 'cli',
      actor_token_id: null,
      actor_kind: 'operator' as const,
      address: null,
      action: 'group.created',
      target,
      summary: '{}',
    });
    await server.db
      .insertInto('audit_entries')
      .values([old(400, 'group:ancient'), old(366, 'group:old'), old(300, 'group:recent')])
      .execute();

    assert.equal((await endpoint('audit', 'prune', '--older-than', '365d')).trim(), '2');
    assert.deepEqual(
      (await auditRows(server.db)).map((row) => row.target),
      ['group:kept', 'group:recent'],
    );
    assert.equal((await endpoint('audit', 'prune', '--older-than', '365d')).trim(), '0');

    for (const args of [
      ['audit', 'prune', '--older-than', 'a year'],
      ['audit', 'prune'],
      ['audit', '--since', 'yesterday'],
      ['audit', '--limit', '0'],
    ]) {
      const result = await runCli(args, { env });
      assert.equal(result.code, 1, args.join(' '));
      assert.match(result.stderr, /^error: /, args.join(' '));
      assert.doesNotMatch(result.stderr, /\n\s+at /);
    }
    assert.equal((await auditRows(server.db)).length, 2);
  });
});
