import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { freePort, pollUntil } from './helpers/process.ts';
import { redisAnswers, TEST_REDIS_URL } from './helpers/redis.ts';
import { startTestServer } from './helpers/server.ts';
import { createUser, PASSWORD } from './helpers/users.ts';

describe('health probes', () => {
  it('answers /healthz and /readyz with ok while the database is reachable', async (t) => {
    const server = await startTestServer(t);
    for (const path of ['/healthz', '/readyz']) {
      const response = await fetch(server.url + path);
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), { status: 'ok' });
    }
  });

  it('answers /readyz with 503 problem+json once the database is gone', async (t) => {
    const server = await startTestServer(t);
    await server.db.destroy();
    const response = await fetch(`${server.url}/readyz`);
    assert.equal(response.status, 503);
    assert.equal(response.headers.get('content-type'), 'application/problem+json; charset=utf-8');
    assert.equal(((await response.json()) as { code: string }).code, 'unavailable');
  });

  it('names Redis in /readyz details, and stays ready counting logins per process while Redis is down', async (t) => {
    const down = await startTestServer(t, { env: { ENDPOINT_REDIS_URL: `redis://127.0.0.1:${await freePort()}` } });
    const response = await fetch(`${down.url}/readyz`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { status: 'ok', details: { redis: 'unreachable: counting per process' } });
    await createUser(down.app, 'joe');
    const login = (password: string) =>
      fetch(`${down.url}/api/v1/users/authenticate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'joe', password }),
      });
    assert.equal((await login('wrong password')).status, 401);
    assert.equal((await login(PASSWORD)).status, 200);

    if (!(await redisAnswers())) return t.skip(`no Redis at ${TEST_REDIS_URL}`);
    const up = await startTestServer(t, { env: { ENDPOINT_REDIS_URL: TEST_REDIS_URL } });
    await pollUntil('Redis named ok in /readyz', 5000, async () => {
      const body = await (await fetch(`${up.url}/readyz`)).json();
      return JSON.stringify(body) === JSON.stringify({ status: 'ok', details: { redis: 'ok' } });
    });
  });
});
