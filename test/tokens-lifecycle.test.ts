import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import type { Db } from '../src/core/db.ts';
import { expectOk, expectProblem } from './helpers/api.ts';
import { buildApp, createDb, loadConfig } from './helpers/built.ts';
import { runCli } from './helpers/cli.ts';
import { Client } from './helpers/http.ts';
import { startTestServer, TEST_SECRET_KEY, type TestServer } from './helpers/server.ts';
import { createUser, OPERATOR, PASSWORD } from './helpers/users.ts';

const TOKENS = '/api/v1/tokens';
const ME = '/api/v1/users/authenticated_user';
const USERS = '/api/v1/users';
const GROUPS = '/api/v1/groups';
const TOKEN_SHAPE = /^ep_[A-Za-z0-9_-]{43}$/;
const FOREIGN = { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' };

function bearer(token: string, headers: Record<string, string> = {}) {
  return { headers: { ...headers, authorization: `Bearer ${token}` } };
}

/** A server, an owner in group `staff` holding users.view and groups.view, logged in. */
async function setUp(t: TestContext) {
  const server = await startTestServer(t);
  const owner = await createUser(server.app, 'owner', {
    groups: ['staff'],
    permissions: ['users.view', 'groups.view'],
  });
  const session = new Client(server.url);
  await session.login('owner', PASSWORD);
  const newToken = async (body: Record<string, unknown> = { name: 'ci', scopes: ['users.view'] }) =>
    expectOk(await session.post(TOKENS, body), 201);
  // A client without cookies: what a program holding only the token sends.
  const program = new Client(server.url);
  return { server, owner, session, newToken, program };
}

function tokenRows(db: Db) {
  return db.selectFrom('api_tokens').selectAll().orderBy('id').execute();
}

async function expectInvalidToken(response: Response): Promise<void> {
  assert.equal(response.headers.get('www-authenticate'), 'Bearer error="invalid_token"');
  await expectProblem(response, 401, 'unauthenticated');
}

/** Another app over the same database, as a second server process behind a load balancer is. */
async function startSecondServer(server: TestServer) {
  const config = loadConfig({
    ENDPOINT_DATABASE_URL: server.databaseUrl,
    ENDPOINT_SECRET_KEY: TEST_SECRET_KEY,
    ENDPOINT_LOG_LEVEL: 'silent',
  });
  const db = createDb(config.databaseUrl);
  const app = await buildApp(config, { db });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      await app.close();
      await db.destroy();
    },
  };
}

describe('an API token from creation to revocation', () => {
  it('without scopes identifies its owner and may do nothing else, not even change the owner', async (t) => {
    const { owner, newToken, program } = await setUp(t);
    const { token, scopes } = await newToken({ name: 'whoami' });
    assert.deepEqual(scopes, []);
    assert.equal((await expectOk(await program.get(ME, bearer(token)))).username, 'owner');
    await expectProblem(await program.get(USERS, bearer(token)), 403, 'forbidden');
    const rename = await program.patch(`${USERS}/${owner.id}`, { first_name: 'Mallory' }, bearer(token));
    await expectProblem(rename, 403, 'forbidden');
  });

  it('is made through the API, shown once, and reads its owner and a route its scope allows', async (t) => {
    const { owner, newToken, program } = await setUp(t);
    const created = await newToken();

    assert.deepEqual(Object.keys(created).sort(), [
      'created_at',
      'expires_at',
      'id',
      'name',
      'prefix',
      'scopes',
      'token',
    ]);
    assert.match(created.token, TOKEN_SHAPE);
    assert.equal(created.prefix, created.token.slice(0, 11));
    assert.deepEqual(created.scopes, ['users.view']);
    assert.equal(created.expires_at, null);

    const me = await expectOk(await program.get(ME, bearer(created.token)));
    assert.equal(me.id, owner.id);
    const listed = await expectOk(await program.get(USERS, bearer(created.token)));
    assert.deepEqual(
      listed.items.map((user: { username: string }) => user.username),
      ['owner'],
    );
  });

  it('is made through the CLI and works over HTTP', async (t) => {
    const { server, program } = await setUp(t);
    const result = await runCli(['add-token', '--username', 'owner', '--name', 'deploy', '--scopes', 'users.view'], {
      env: { ENDPOINT_DATABASE_URL: server.databaseUrl },
    });
    assert.equal(result.code, 0, result.stderr);
    const token = result.stdout.trimEnd();
    assert.match(token, TOKEN_SHAPE);
    await expectOk(await program.get(USERS, bearer(token)));
  });

  it('cannot carry a permission its owner does not hold: 400 naming it, and nothing stored', async (t) => {
    const { server, session } = await setUp(t);
    const problem = await expectProblem(
      await session.post(TOKENS, { name: 'ci', scopes: ['users.view', 'users.add'] }),
      400,
      'bad_request',
    );
    assert.match(String(problem.detail), /"users\.add"/);
    assert.doesNotMatch(String(problem.detail), /users\.view/);
    assert.deepEqual(await tokenRows(server.db), []);
  });

  it('is refused 403 for a permission its owner holds but its scopes leave out', async (t) => {
    const { session, newToken, program } = await setUp(t);
    const { token } = await newToken();
    await expectProblem(await program.get(GROUPS, bearer(token)), 403, 'forbidden');
    await expectOk(await session.get(GROUPS));
  });

  it('loses a permission on the very next request once its owner’s group does', async (t) => {
    const { server, newToken, program } = await setUp(t);
    const { token } = await newToken();
    await expectOk(await program.get(USERS, bearer(token)));

    assert.equal(await server.app.users.revokeByName(OPERATOR, 'staff', 'users.view'), true);
    await expectProblem(await program.get(USERS, bearer(token)), 403, 'forbidden');
    await expectOk(await program.get(ME, bearer(token)));
  });

  it('stops working once its owner is deactivated, without falling back to anyone', async (t) => {
    const { server, owner, newToken, program } = await setUp(t);
    const { token } = await newToken();
    await server.app.users.updateUser(OPERATOR, owner.id, { active: false });
    await expectInvalidToken(await program.get(ME, bearer(token)));
  });

  it('stops working once revoked', async (t) => {
    const { session, newToken, program } = await setUp(t);
    const { id, token } = await newToken();
    await expectOk(await program.get(ME, bearer(token)));
    await expectOk(await session.delete(`${TOKENS}/${id}`), 204);
    await expectInvalidToken(await program.get(ME, bearer(token)));
  });

  it('expires when its lifetime is over', async (t) => {
    const { server, newToken, program } = await setUp(t);
    const created = await newToken({ name: 'ci', scopes: ['users.view'], expires_in: '90d' });
    const lifetime = Date.parse(created.expires_at) - Date.parse(created.created_at);
    assert.equal(lifetime, 90 * 86_400_000);
    await expectOk(await program.get(ME, bearer(created.token)));

    const past = new Date(Date.now() - 1000).toISOString();
    await server.db.updateTable('api_tokens').set({ expires_at: past }).where('id', '=', created.id).execute();
    await expectInvalidToken(await program.get(ME, bearer(created.token)));
  });

  it('records its last use, writing it at most once a minute', async (t) => {
    const { server, newToken, program } = await setUp(t);
    const { id, token } = await newToken();
    const lastUsed = async () =>
      (await server.db.selectFrom('api_tokens').select('last_used_at').where('id', '=', id).executeTakeFirstOrThrow())
        .last_used_at;
    assert.equal(await lastUsed(), null);

    const before = Date.now();
    await expectOk(await program.get(ME, bearer(token)));
    const first = await lastUsed();
    assert.ok(first && Date.parse(first) >= before - 1000 && Date.parse(first) <= Date.now(), String(first));

    await expectOk(await program.get(ME, bearer(token)));
    assert.equal(await lastUsed(), first, 'a second use within the minute writes nothing');

    // A process keeps the time of its last write with the token it caches, so a minute's wait is
    // played on another process, which reads the backdated time from the database.
    const twoMinutesAgo = new Date(Date.now() - 120_000).toISOString();
    await server.db.updateTable('api_tokens').set({ last_used_at: twoMinutesAgo }).where('id', '=', id).execute();
    const second = await startSecondServer(server);
    t.after(second.close);
    await expectOk(await fetch(second.url + ME, bearer(token)));
    assert.ok(Date.parse(String(await lastUsed())) > Date.parse(twoMinutesAgo) + 60_000);
  });

  it('is stored only as its SHA-256: the token appears nowhere in its row', async (t) => {
    const { server, newToken } = await setUp(t);
    const { id, token } = await newToken();
    const [row] = await tokenRows(server.db);
    assert.equal(row.id, id);
    assert.equal(row.token_hash, createHash('sha256').update(token).digest('hex'));
    assert.equal(row.prefix, token.slice(0, 11));
    const secretPart = token.slice(row.prefix.length);
    for (const value of Object.values(row)) {
      assert.ok(!String(value).includes(token), 'the token is not stored');
      assert.ok(!String(value).includes(secretPart.slice(0, 16)), 'no part of its unseen characters is stored');
    }
  });

  it('is not refused as cross-site when sent with a foreign Origin, as the session cookie is', async (t) => {
    const { session, newToken, program } = await setUp(t);
    const caller = await newToken();
    const target = await newToken({ name: 'old', scopes: ['users.view'] });

    await expectProblem(await session.delete(`${TOKENS}/${target.id}`, { headers: FOREIGN }), 403, 'csrf_failed');
    await expectOk(await program.delete(`${TOKENS}/${target.id}`, bearer(caller.token, FOREIGN)), 204);
    await expectInvalidToken(await program.get(ME, bearer(target.token)));
  });

  it('cannot create tokens, so a leaked one cannot mint more', async (t) => {
    const { server, newToken, program } = await setUp(t);
    const { id, token } = await newToken();
    await expectProblem(
      await program.post(TOKENS, { name: 'more', scopes: ['users.view'] }, bearer(token)),
      403,
      'forbidden',
    );
    assert.deepEqual(
      (await tokenRows(server.db)).map((row) => row.id),
      [id],
    );
  });

  it('wins over a session cookie sent with it, and a bad one is refused rather than ignored', async (t) => {
    const { server, session } = await setUp(t);
    await createUser(server.app, 'robot', { groups: ['staff'] });
    const robot = new Client(server.url);
    await robot.login('robot', PASSWORD);
    const { token } = await expectOk(await robot.post(TOKENS, { name: 'ci', scopes: ['users.view'] }), 201);

    assert.equal((await expectOk(await session.get(ME, bearer(token)))).username, 'robot');
    await expectInvalidToken(await session.get(ME, bearer(`ep_${'A'.repeat(43)}`)));
    assert.equal((await expectOk(await session.get(ME))).username, 'owner');
  });
});

describe('an API token on two servers over one database', () => {
  it('revoked through one server is refused by the other on its next request', async (t) => {
    const { server, session, newToken } = await setUp(t);
    const second = await startSecondServer(server);
    try {
      const { id, token } = await newToken();
      const throughSecond = new Client(second.url);
      await expectOk(await throughSecond.get(USERS, bearer(token)));

      await expectOk(await session.delete(`${TOKENS}/${id}`), 204);
      await expectInvalidToken(await throughSecond.get(USERS, bearer(token)));
    } finally {
      await second.close();
    }
  });

  it('loses a permission on the other server once the owner’s group loses it on the first', async (t) => {
    const { server, newToken } = await setUp(t);
    const second = await startSecondServer(server);
    try {
      const { token } = await newToken();
      const throughSecond = new Client(second.url);
      await expectOk(await throughSecond.get(USERS, bearer(token)));
      await server.app.users.revokeByName(OPERATOR, 'staff', 'users.view');
      await expectProblem(await throughSecond.get(USERS, bearer(token)), 403, 'forbidden');
    } finally {
      await second.close();
    }
  });
});
