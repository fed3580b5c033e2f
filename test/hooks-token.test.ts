import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { expectOk, expectProblem } from './helpers/api.ts';
import { addHook, postHook, storedDeliveries } from './helpers/hooks.ts';
import { startTestServer } from './helpers/server.ts';
import { createUser, OPERATOR } from './helpers/users.ts';

const PAYLOAD = '{"job":"nightly"}';

/**
 * A server with a `token` hook `cron`, a user `caller` whose group `callers` holds hooks.call,
 * and `call(token?, headers?)` posting to it.
 */
async function setUp(t: TestContext) {
  const server = await startTestServer(t, { env: { ENDPOINT_HOOK_WORKER: 'off' } });
  const hook = await server.app.hooks.createHook(OPERATOR, { name: 'cron', handler: 'inbox', verify: 'token' });
  const caller = await createUser(server.app, 'caller', { groups: ['callers'], permissions: ['hooks.call'] });
  const tokenFor = async (userId: number, scopes: string[]) =>
    (await server.app.tokens.create(OPERATOR, userId, { name: `t${Math.random()}`, scopes })).token;
  const call = (token: string | undefined, headers: Record<string, string> = {}) =>
    postHook(server.url, '/hooks/cron', PAYLOAD, {
      'content-type': 'application/json',
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      ...headers,
    });
  return { server, hookId: hook.hook.id, caller, tokenFor, call };
}

describe('POST /hooks/:name with an API token', () => {
  it('stores a call whose token carries hooks.call, without the Authorization header', async (t) => {
    const { server, hookId, caller, tokenFor, call } = await setUp(t);
    const token = await tokenFor(caller.id, ['hooks.call']);
    const answer = await expectOk(await call(token), 202);
    const [row, ...others] = await storedDeliveries(server.db, hookId);
    assert.equal(others.length, 0);
    assert.deepEqual(answer, { id: row.id, status: 'pending' });
    assert.deepEqual(Buffer.from(row.body), Buffer.from(PAYLOAD));
    assert.match(row.external_id, /^[0-9a-f-]{36}$/);
    assert.equal(JSON.parse(row.headers).authorization, undefined);
    assert.ok(!row.headers.includes(token));
    // Without an Idempotency-Key each call is its own delivery.
    await expectOk(await call(token), 202);
    assert.equal((await storedDeliveries(server.db, hookId)).length, 2);
  });

  it('takes the Idempotency-Key as the delivery id: a repeat answers 200 and stores nothing', async (t) => {
    const { server, hookId, caller, tokenFor, call } = await setUp(t);
    const token = await tokenFor(caller.id, ['hooks.call']);
    const first = await expectOk(await call(token, { 'idempotency-key': 'run-2026-11-24' }), 202);
    const again = await expectOk(await call(token, { 'idempotency-key': 'run-2026-11-24' }), 200);
    assert.deepEqual(again, first);
    const rows = await storedDeliveries(server.db, hookId);
    assert.deepEqual(
      rows.map((row) => row.external_id),
      ['run-2026-11-24'],
    );
    await expectProblem(await call(token, { 'idempotency-key': 'k'.repeat(256) }), 400, 'bad_request');
    assert.equal((await storedDeliveries(server.db, hookId)).length, 1);
  });

  it('answers 401 with WWW-Authenticate: Bearer for a missing, unknown or revoked token', async (t) => {
    const { server, hookId, caller, tokenFor, call } = await setUp(t);
    const revoked = await tokenFor(caller.id, ['hooks.call']);
    const [{ id }] = (await server.app.tokens.list({ userId: caller.id }, { limit: 1, offset: 0 })).items;
    await server.app.tokens.revoke(OPERATOR, id);
    const missing = await call(undefined);
    assert.equal(missing.headers.get('www-authenticate'), 'Bearer');
    await expectProblem(missing, 401, 'unauthenticated');
    const basic = await call(undefined, { authorization: 'Basic dXNlcjpwYXNz' });
    await expectProblem(basic, 401, 'unauthenticated');
    for (const token of ['ep_notarealtoken0000000000000000000000000000', 'garbage', revoked]) {
      const response = await call(token);
      assert.equal(response.headers.get('www-authenticate'), 'Bearer error="invalid_token"');
      await expectProblem(response, 401, 'unauthenticated');
    }
    assert.equal((await storedDeliveries(server.db, hookId)).length, 0);
  });

  it('answers 403 when the token lacks the scope or its owner lacks hooks.call, from the next call on', async (t) => {
    const { server, hookId, caller, tokenFor, call } = await setUp(t);
    const unscoped = await tokenFor(caller.id, []);
    const scoped = await tokenFor(caller.id, ['hooks.call']);
    const outsider = await createUser(server.app, 'outsider');
    const outsiders = await tokenFor(outsider.id, []);
    for (const token of [unscoped, outsiders]) {
      const response = await call(token);
      assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer error="insufficient_scope"/);
      await expectProblem(response, 403, 'forbidden');
    }
    await expectOk(await call(scoped), 202);
    await server.app.users.revokeByName(OPERATOR, 'callers', 'hooks.call');
    await expectProblem(await call(scoped), 403, 'forbidden');
    assert.equal((await storedDeliveries(server.db, hookId)).length, 1);
  });

  it('has no secret to give, show or rotate', async (t) => {
    const { server } = await setUp(t);
    const row = await server.db.selectFrom('hooks').selectAll().where('name', '=', 'cron').executeTakeFirstOrThrow();
    assert.deepEqual(JSON.parse(row.secrets), []);
    await assert.rejects(
      server.app.hooks.createHook(OPERATOR, { name: 'x', handler: 'inbox', verify: 'token', secret: 's' }),
      /a token hook has no secret/,
    );
    await assert.rejects(server.app.hooks.rotateSecret(OPERATOR, 'cron', {}), /a token hook has no secret/);
    // A signature hook switched to token mode drops its secrets; back again, it gets a new one.
    const gh = await addHook(server.app, 'gh', 'github');
    const switched = await server.app.hooks.updateHook(OPERATOR, 'gh', { verify: 'token' });
    assert.equal(switched.generatedSecret, undefined);
    const back = await server.app.hooks.updateHook(OPERATOR, 'gh', { verify: 'github' });
    assert.notEqual(back.generatedSecret, gh.secret);
    assert.match(back.generatedSecret ?? '', /^[0-9a-f]{64}$/);
  });
});
