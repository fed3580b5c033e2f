import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { Db } from '../src/core/db.ts';
import { expectOk, expectProblem, type ProblemScenario, runProblemScenarios } from './helpers/api.ts';
import { Client } from './helpers/http.ts';
import { startTestServer } from './helpers/server.ts';
import { createUser, OPERATOR, PASSWORD } from './helpers/users.ts';

const TOKENS = '/api/v1/tokens';
const ME = '/api/v1/users/authenticated_user';
const TOKEN_FIELDS = [
  'created_at',
  'expires_at',
  'id',
  'last_used_at',
  'name',
  'prefix',
  'scopes',
  'user_id',
  'username',
];

function bearer(authorization: string) {
  return { headers: { authorization } };
}

/**
 * A server and a logged-in client for each kind of caller: joe and ann (group staff: users.view),
 * an auditor (tokens.view) and a revoker (tokens.delete).
 */
async function setUp(t: TestContext, env: Record<string, string> = {}) {
  const server = await startTestServer(t, { env });
  const users = {
    joe: await createUser(server.app, 'joe', { groups: ['staff'], permissions: ['users.view'] }),
    ann: await createUser(server.app, 'ann', { groups: ['staff'] }),
    auditor: await createUser(server.app, 'auditor', { groups: ['auditors'], permissions: ['tokens.view'] }),
    revoker: await createUser(server.app, 'revoker', { groups: ['revokers'], permissions: ['tokens.delete'] }),
  };
  const clients = {
    anonymous: new Client(server.url),
    joe: new Client(server.url),
    ann: new Client(server.url),
    auditor: new Client(server.url),
    revoker: new Client(server.url),
  };
  for (const name of ['joe', 'ann', 'auditor', 'revoker'] as const) await clients[name].login(name, PASSWORD);
  const newToken = async (as: 'joe' | 'ann', name: string) =>
    expectOk(await clients[as].post(TOKENS, { name, scopes: ['users.view'] }), 201);
  return { server, users, clients, newToken };
}

type Caller = 'anonymous' | 'joe' | 'ann' | 'auditor' | 'revoker';

function tokenRows(db: Db) {
  return db.selectFrom('api_tokens').selectAll().orderBy('id').execute();
}

describe('the tokens API refusals', () => {
  it('answers every refused request with its status and code, and changes no token', async (t) => {
    const { server, users, clients, newToken } = await setUp(t, { ENDPOINT_BODY_LIMIT: '4096' });
    const anns = await newToken('ann', 'ann’s');
    const valid = { name: 'ci', scopes: ['users.view'] };
    const create = (name: string, json: unknown, status: number, code: string): ProblemScenario<Caller> => ({
      name,
      as: 'joe',
      method: 'POST',
      path: TOKENS,
      init: { json },
      status,
      code,
    });
    const scenarios: ProblemScenario<Caller>[] = [
      { ...create('anonymous create', valid, 401, 'unauthenticated'), as: 'anonymous' },
      { name: 'anonymous list', as: 'anonymous', method: 'GET', path: TOKENS, status: 401, code: 'unauthenticated' },
      {
        name: 'anonymous revoke',
        as: 'anonymous',
        method: 'DELETE',
        path: `${TOKENS}/${anns.id}`,
        status: 401,
        code: 'unauthenticated',
      },
      create('no name', { scopes: ['users.view'] }, 400, 'validation_failed'),
      create('empty name', { ...valid, name: '' }, 400, 'validation_failed'),
      create('name over 100 characters', { ...valid, name: 'n'.repeat(101) }, 400, 'validation_failed'),
      create('NUL in the name', { ...valid, name: 'a\u0000b' }, 400, 'validation_failed'),
      create('a scope that is not a string', { ...valid, scopes: [{}] }, 400, 'validation_failed'),
      create('an unknown scope', { ...valid, scopes: ['users.view', 'nope.nothing'] }, 400, 'bad_request'),
      create('a scope the caller does not hold', { ...valid, scopes: ['tokens.view'] }, 400, 'bad_request'),
      create('an expiry that is not a duration', { ...valid, expires_in: 'soon' }, 400, 'validation_failed'),
      create('a zero expiry', { ...valid, expires_in: '0d' }, 400, 'bad_request'),
      create('an expiry over ten years', { ...valid, expires_in: '3651d' }, 400, 'bad_request'),
      create('a huge expiry', { ...valid, expires_in: '9999999d' }, 400, 'bad_request'),
      create('a body over the limit', { ...valid, name: 'n'.repeat(5000) }, 413, 'payload_too_large'),
      {
        name: 'a body that is not JSON',
        as: 'joe',
        method: 'POST',
        path: TOKENS,
        init: { body: 'name=ci', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
        status: 415,
        code: 'unsupported_media_type',
      },
      {
        name: 'another user’s tokens without tokens.view',
        as: 'joe',
        method: 'GET',
        path: `${TOKENS}?user_id=${users.ann.id}`,
        status: 403,
        code: 'forbidden',
      },
      {
        name: 'a zero limit',
        as: 'joe',
        method: 'GET',
        path: `${TOKENS}?limit=0`,
        status: 400,
        code: 'validation_failed',
      },
      {
        name: 'a limit over 200',
        as: 'auditor',
        method: 'GET',
        path: `${TOKENS}?limit=201`,
        status: 400,
        code: 'validation_failed',
      },
      {
        name: 'a user_id that is not an id',
        as: 'auditor',
        method: 'GET',
        path: `${TOKENS}?user_id=x`,
        status: 400,
        code: 'validation_failed',
      },
      {
        name: 'revoking another user’s token without tokens.delete',
        as: 'joe',
        method: 'DELETE',
        path: `${TOKENS}/${anns.id}`,
        status: 404,
        code: 'not_found',
      },
      {
        name: 'revoking a token that does not exist',
        as: 'revoker',
        method: 'DELETE',
        path: `${TOKENS}/99999`,
        status: 404,
        code: 'not_found',
      },
      {
        name: 'a malformed id',
        as: 'joe',
        method: 'DELETE',
        path: `${TOKENS}/abc`,
        status: 400,
        code: 'validation_failed',
      },
      { name: 'a zero id', as: 'joe', method: 'DELETE', path: `${TOKENS}/0`, status: 400, code: 'validation_failed' },
      {
        name: 'an id past the integer range',
        as: 'joe',
        method: 'DELETE',
        path: `${TOKENS}/2147483648`,
        status: 400,
        code: 'validation_failed',
      },
    ];
    const before = await tokenRows(server.db);
    await runProblemScenarios(t, server.db, clients, scenarios);
    assert.deepEqual(await tokenRows(server.db), before);
  });

  it('names the scope the caller does not hold and the scope that does not exist', async (t) => {
    const { clients } = await setUp(t);
    const notHeld = await expectProblem(
      await clients.joe.post(TOKENS, { name: 'ci', scopes: ['users.view', 'tokens.view', 'groups.add'] }),
      400,
      'bad_request',
    );
    assert.equal(
      notHeld.detail,
      `the token's owner does not hold permissions "groups.add", "tokens.view", so the token cannot carry them`,
    );
    const unknown = await expectProblem(
      await clients.joe.post(TOKENS, { name: 'ci', scopes: ['nope.nothing'] }),
      400,
      'bad_request',
    );
    assert.equal(unknown.detail, 'unknown permission "nope.nothing" in scopes');
  });

  it('answers 401 invalid_token for every bearer credential that is not a live token', async (t) => {
    const { clients } = await setUp(t);
    const { anonymous } = clients;
    for (const authorization of [
      'Bearer',
      'Bearer ',
      'Bearer not-a-token',
      `Bearer ep_${'A'.repeat(43)}`,
      `Bearer ep_${'A'.repeat(44)}`,
      `Bearer ep_${'A'.repeat(42)}!`,
    ]) {
      const response = await anonymous.get(ME, bearer(authorization));
      assert.equal(response.headers.get('www-authenticate'), 'Bearer error="invalid_token"', authorization);
      await expectProblem(response, 401, 'unauthenticated');
    }
  });

  it('leaves other authorization schemes alone: the caller is simply anonymous', async (t) => {
    const { clients } = await setUp(t);
    const response = await clients.anonymous.get(ME, bearer('Basic am9lOnNlY3JldA=='));
    assert.equal(response.headers.get('www-authenticate'), null);
    await expectProblem(response, 401, 'unauthenticated');
  });

  it('accepts the scheme in any case and spaces around the token', async (t) => {
    const { clients, newToken } = await setUp(t);
    const { token } = await newToken('joe', 'ci');
    for (const authorization of [`bearer ${token}`, `BEARER   ${token}  `]) {
      assert.equal((await expectOk(await clients.anonymous.get(ME, bearer(authorization)))).username, 'joe');
    }
  });
});

describe('listing tokens', () => {
  it('lists your own tokens newest first, never with the token or its hash', async (t) => {
    const { users, clients, newToken } = await setUp(t);
    const first = await newToken('joe', 'first');
    const second = await newToken('joe', 'second');
    await newToken('ann', 'ann’s');

    const page = await expectOk(await clients.joe.get(TOKENS));
    assert.deepEqual(Object.keys(page).sort(), ['items', 'limit', 'offset', 'total']);
    assert.equal(page.total, 2);
    assert.deepEqual(
      page.items.map((token: { id: number }) => token.id),
      [second.id, first.id],
    );
    const [item] = page.items;
    assert.deepEqual(Object.keys(item).sort(), TOKEN_FIELDS);
    assert.deepEqual(item, {
      id: second.id,
      user_id: users.joe.id,
      username: 'joe',
      name: 'second',
      prefix: second.prefix,
      scopes: ['users.view'],
      created_at: second.created_at,
      expires_at: null,
      last_used_at: null,
    });
    const text = JSON.stringify(page);
    assert.ok(!text.includes(first.token) && !text.includes(second.token), 'no token is listed');
    assert.doesNotMatch(text, /[0-9a-f]{64}/, 'no hash is listed');
  });

  it('lists everyone’s tokens with tokens.view, or one user’s with ?user_id=', async (t) => {
    const { users, clients, newToken } = await setUp(t);
    const joes = await newToken('joe', 'joe’s');
    const anns = await newToken('ann', 'ann’s');
    const ids = (page: { items: { id: number }[] }) => page.items.map((token) => token.id);

    assert.deepEqual(ids(await expectOk(await clients.auditor.get(TOKENS))), [anns.id, joes.id]);
    assert.deepEqual(ids(await expectOk(await clients.auditor.get(`${TOKENS}?user_id=${users.ann.id}`))), [anns.id]);
    assert.deepEqual(ids(await expectOk(await clients.auditor.get(`${TOKENS}?user_id=${users.auditor.id}`))), []);
    // Without tokens.view, your own id is the only filter allowed, and it changes nothing.
    assert.deepEqual(ids(await expectOk(await clients.joe.get(`${TOKENS}?user_id=${users.joe.id}`))), [joes.id]);
    assert.deepEqual(ids(await expectOk(await clients.revoker.get(TOKENS))), []);
  });

  it('pages with limit and offset, and leaves revoked tokens out', async (t) => {
    const { clients, newToken } = await setUp(t);
    const made = [];
    for (const name of ['a', 'b', 'c', 'd']) made.push(await newToken('joe', name));
    await expectOk(await clients.joe.delete(`${TOKENS}/${made[3].id}`), 204);

    const page = await expectOk(await clients.joe.get(`${TOKENS}?limit=2&offset=1`));
    assert.equal(page.total, 3);
    assert.equal(page.limit, 2);
    assert.equal(page.offset, 1);
    assert.deepEqual(
      page.items.map((token: { name: string }) => token.name),
      ['b', 'a'],
    );
  });

  it('shows when a token was last used', async (t) => {
    const { clients, newToken } = await setUp(t);
    const { token } = await newToken('joe', 'ci');
    await expectOk(await clients.anonymous.get(ME, bearer(`Bearer ${token}`)));
    const [item] = (await expectOk(await clients.joe.get(TOKENS))).items;
    assert.match(item.last_used_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });
});

describe('revoking tokens', () => {
  it('revokes your own token once; a second revocation is a 404', async (t) => {
    const { server, clients, newToken } = await setUp(t);
    const { id } = await newToken('joe', 'ci');
    await expectOk(await clients.joe.delete(`${TOKENS}/${id}`), 204);
    const row = await server.db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    assert.match(String(row.revoked_at), /^\d{4}-/, 'the row stays, marked revoked');

    const again = await expectProblem(await clients.joe.delete(`${TOKENS}/${id}`), 404, 'not_found');
    assert.equal(again.detail, `token ${id} is already revoked`);
  });

  it('revokes anyone’s token with tokens.delete, and another user’s stays untouched without it', async (t) => {
    const { server, clients, newToken } = await setUp(t);
    const anns = await newToken('ann', 'ann’s');
    const revokedAt = async () =>
      (
        await server.db
          .selectFrom('api_tokens')
          .select('revoked_at')
          .where('id', '=', anns.id)
          .executeTakeFirstOrThrow()
      ).revoked_at;

    const hidden = await expectProblem(await clients.joe.delete(`${TOKENS}/${anns.id}`), 404, 'not_found');
    assert.equal(hidden.detail, `no token with id ${anns.id}`, 'the same answer as for a token that does not exist');
    assert.equal(await revokedAt(), null);
    await expectOk(await clients.anonymous.get(ME, bearer(`Bearer ${anns.token}`)));

    await expectOk(await clients.revoker.delete(`${TOKENS}/${anns.id}`), 204);
    assert.notEqual(await revokedAt(), null);
    await expectProblem(await clients.anonymous.get(ME, bearer(`Bearer ${anns.token}`)), 401, 'unauthenticated');
  });

  it('lets a token revoke itself', async (t) => {
    const { clients, newToken } = await setUp(t);
    const { id, token } = await newToken('joe', 'ci');
    await expectOk(await clients.anonymous.delete(`${TOKENS}/${id}`, bearer(`Bearer ${token}`)), 204);
    await expectProblem(await clients.anonymous.get(ME, bearer(`Bearer ${token}`)), 401, 'unauthenticated');
  });

  it('deletes a user’s tokens with the user', async (t) => {
    const { server, users, newToken } = await setUp(t);
    await newToken('ann', 'ann’s');
    await server.app.users.deleteUser(OPERATOR, users.ann.id);
    assert.deepEqual(await tokenRows(server.db), []);
  });
});

describe('the tokens API in the OpenAPI document', () => {
  it('lists the token routes with their methods, tags and problem answers', async (t) => {
    const { server } = await setUp(t);
    const { paths } = (await (await fetch(`${server.url}/api/openapi.json`)).json()) as { paths: Record<string, any> };
    assert.deepEqual(Object.keys(paths['/api/v1/tokens']).sort(), ['get', 'post']);
    assert.deepEqual(Object.keys(paths['/api/v1/tokens/{id}']), ['delete']);
    for (const operation of [
      paths['/api/v1/tokens'].get,
      paths['/api/v1/tokens'].post,
      paths['/api/v1/tokens/{id}'].delete,
    ]) {
      assert.deepEqual(operation.tags, ['tokens']);
      assert.ok(operation.responses['401'].content['application/problem+json']);
    }
    assert.deepEqual(paths['/api/v1/tokens'].post.security, [{ session: [] }], 'a token cannot create tokens');
  });
});
