// Several `serve` processes on one PostgreSQL database, as behind a load balancer: whatever one
// instance learns (a session, a revocation, a failed login, a delivery) counts on the next request
// to any other.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { expectOk, expectProblem } from './helpers/api.ts';
import { createDb } from './helpers/built.ts';
import { DATABASE_KIND } from './helpers/database.ts';
import { postHook, signedHeaders, storedDeliveries } from './helpers/hooks.ts';
import { Client } from './helpers/http.ts';
import { startInstances } from './helpers/instances.ts';
import { freePort } from './helpers/process.ts';
import { redisAnswers, TEST_REDIS_URL } from './helpers/redis.ts';
import { PASSWORD } from './helpers/users.ts';

const ME = '/api/v1/users/authenticated_user';
const USERS = '/api/v1/users/?limit=5';
const PAYLOAD = '{"type":"ping"}';
const postgresOnly = DATABASE_KIND === 'postgres' ? {} : { skip: 'many instances share a PostgreSQL database' };

/** A client of `url` holding the same cookies as `client`: the browser, sent to another instance. */
function sameBrowser(client: Client, url: string): Client {
  const other = new Client(url);
  for (const [name, value] of client.cookies) other.cookies.set(name, value);
  return other;
}

/** Status of a login attempt on `url`. */
async function loginStatus(url: string, username: string, password: string): Promise<number> {
  const response = await new Client(url).post('/api/v1/users/authenticate', { username, password });
  await response.arrayBuffer();
  return response.status;
}

/** Posts one Standard Webhooks delivery with id `id` to `url` and answers its status. */
async function deliver(url: string, hook: string, secret: string, id: string): Promise<number> {
  const response = await postHook(url, `/hooks/${hook}`, PAYLOAD, await signedHeaders('standard', secret, id, PAYLOAD));
  await response.arrayBuffer();
  return response.status;
}

describe('many instances on one PostgreSQL database', postgresOnly, () => {
  it('a session made on one works on the other, and a revoked token or permission or a logout stops on both at the next request', async (t) => {
    const { urls, cli } = await startInstances(t, 2);
    await cli(['add-user', '--username', 'joe', '--password', PASSWORD]);
    await cli(['add-group', '--groupname', 'viewers']);
    await cli(['add-group-member', '--groupname', 'viewers', '--membername', 'joe']);
    await cli(['grant', '--groupname', 'viewers', '--permission', 'users.view']);

    const browser = new Client(urls[0]);
    await browser.login('joe', PASSWORD);
    const browsers = [browser, sameBrowser(browser, urls[1])];
    for (const client of browsers) {
      assert.equal((await expectOk(await client.get(ME))).username, 'joe');
      await expectOk(await client.get(USERS));
    }
    await cli(['revoke', '--groupname', 'viewers', '--permission', 'users.view']);
    for (const client of browsers) await expectProblem(await client.get(USERS), 403, 'forbidden');

    const token = await cli(['add-token', '--username', 'joe', '--name', 'ci']);
    const bearer = { headers: { authorization: `Bearer ${token}` } };
    for (const url of urls) await expectOk(await fetch(url + ME, bearer));
    const id = (await cli(['list-tokens'])).split('\n')[1].trim().split(/\s+/)[0];
    await cli(['revoke-token', '--id', id]);
    for (const url of urls) await expectProblem(await fetch(url + ME, bearer), 401, 'unauthenticated');

    // Logging out on one ends the session on both, even for a client that still sends its cookie.
    const kept = [browser, sameBrowser(browser, urls[1])];
    assert.equal((await browsers[1].post('/api/v1/users/logout')).status, 204);
    for (const client of kept) await expectProblem(await client.get(ME), 401, 'unauthenticated');
  });

  it('stores one delivery when 40 posts of one id arrive at both instances at once', async (t) => {
    const { urls, cli, env } = await startInstances(t, 2);
    const secret = await cli(['add-hook', '--name', 'inbox', '--handler', 'inbox', '--verify', 'standard']);
    const statuses = await Promise.all(
      Array.from({ length: 40 }, (_, index) => deliver(urls[index % 2], 'inbox', secret, 'msg_once')),
    );
    assert.ok(
      statuses.every((status) => status === 200 || status === 202),
      `statuses ${statuses}`,
    );
    const db = createDb(env.ENDPOINT_DATABASE_URL);
    t.after(() => db.destroy());
    const hook = await db.selectFrom('hooks').select('id').where('name', '=', 'inbox').executeTakeFirstOrThrow();
    assert.equal((await storedDeliveries(db, hook.id)).length, 1);
  });

  it('shares login throttling and hook rate limits through Redis', async (t) => {
    if (!(await redisAnswers())) return t.skip(`no Redis at ${TEST_REDIS_URL}`);
    const { urls, cli } = await startInstances(t, 2, {
      ENDPOINT_REDIS_URL: TEST_REDIS_URL,
      ENDPOINT_LOGIN_MAX_FAILURES_PER_ACCOUNT_ADDRESS: '2',
      ENDPOINT_HOOK_RATE_LIMIT: '2',
    });
    for (const url of urls) {
      assert.deepEqual(await expectOk(await fetch(`${url}/readyz`)), { status: 'ok', details: { redis: 'ok' } });
    }
    // Counters outlive the test for their window in the shared Redis, so each run uses names of its own.
    const username = `joe-${randomUUID().slice(0, 8)}`;
    await cli(['add-user', '--username', username, '--password', PASSWORD]);
    assert.equal(await loginStatus(urls[0], username, 'wrong password 1'), 401);
    assert.equal(await loginStatus(urls[1], username, 'wrong password 2'), 401);
    assert.equal(await loginStatus(urls[0], username, PASSWORD), 429);
    assert.equal(await loginStatus(urls[1], username, PASSWORD), 429);

    const hook = `shared-${randomUUID().slice(0, 8)}`;
    const secret = await cli(['add-hook', '--name', hook, '--handler', 'inbox', '--verify', 'standard']);
    const statuses = [];
    for (const [index, url] of [urls[0], urls[1], urls[0], urls[1]].entries()) {
      statuses.push(await deliver(url, hook, secret, `msg_${index}`));
    }
    assert.deepEqual(statuses, [202, 202, 429, 429]);
  });

  it('counts per process, says so in the log and in /readyz, while Redis is down', async (t) => {
    const { urls, cli, servers } = await startInstances(t, 2, {
      ENDPOINT_REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
      ENDPOINT_LOGIN_MAX_FAILURES_PER_ACCOUNT_ADDRESS: '2',
      ENDPOINT_HOOK_RATE_LIMIT: '2',
    });
    for (const server of servers) await server.waitFor(/Redis unreachable/);
    for (const url of urls) {
      const ready = await expectOk(await fetch(`${url}/readyz`));
      assert.deepEqual(ready, { status: 'ok', details: { redis: 'unreachable: counting per process' } });
    }
    await cli(['add-user', '--username', 'joe', '--password', PASSWORD]);
    assert.equal(await loginStatus(urls[0], 'joe', 'wrong password 1'), 401);
    assert.equal(await loginStatus(urls[0], 'joe', 'wrong password 2'), 401);
    assert.equal(await loginStatus(urls[0], 'joe', PASSWORD), 429);
    // The other process has counted nothing.
    assert.equal(await loginStatus(urls[1], 'joe', PASSWORD), 200);

    const secret = await cli(['add-hook', '--name', 'alone', '--handler', 'inbox', '--verify', 'standard']);
    const statuses = [];
    for (const [index, url] of [urls[0], urls[0], urls[0], urls[1]].entries()) {
      statuses.push(await deliver(url, 'alone', secret, `msg_${index}`));
    }
    assert.deepEqual(statuses, [202, 202, 429, 202]);
  });
});
