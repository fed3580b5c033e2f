import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { describe, it, type TestContext } from 'node:test';
import { expectOk, expectProblem } from './helpers/api.ts';
import { Client } from './helpers/http.ts';
import { redisAnswers, TEST_REDIS_URL } from './helpers/redis.ts';
import { startTestServer } from './helpers/server.ts';
import { createUser, PASSWORD } from './helpers/users.ts';

const AUTHENTICATE = '/api/v1/users/authenticate';

/**
 * A server trusting X-Forwarded-For, so one client can appear from many addresses. Redis counters
 * outlive a test for the lockout window, so every name and address a test uses is its own.
 */
async function setUp(t: TestContext, backend: 'memory' | 'redis', env: Record<string, string> = {}) {
  const redis: Record<string, string> = backend === 'redis' ? { ENDPOINT_REDIS_URL: TEST_REDIS_URL } : {};
  const server = await startTestServer(t, { env: { ENDPOINT_TRUST_PROXY: 'true', ...redis, ...env } });
  const run = randomBytes(4).toString('hex');
  const name = (base: string) => `${base}-${run}`;
  const address = () => `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;
  const client = new Client(server.url);
  const login = (username: string, password: string, from: string) =>
    client.post(AUTHENTICATE, { username, password }, { headers: { 'x-forwarded-for': from } });
  const fail = async (username: string, from: string) =>
    expectProblem(await login(username, 'wrong password', from), 401, 'invalid_credentials');
  const locked = async (username: string, from: string) => {
    const response = await login(username, PASSWORD, from);
    assert.ok(Number(response.headers.get('retry-after')) > 0, 'Retry-After');
    await expectProblem(response, 429, 'too_many_requests');
  };
  return { server, name, address, login, fail, locked };
}

for (const backend of ['memory', 'redis'] as const) {
  describe(`login lockout (${backend} counters)`, () => {
    const skipUnlessReady = async (t: TestContext) => {
      if (backend === 'redis' && !(await redisAnswers())) {
        t.skip(`no Redis at ${TEST_REDIS_URL}`);
        return true;
      }
      return false;
    };

    it('locks an address out of an account after 5 failures there, while the owner logs in from another', async (t) => {
      if (await skipUnlessReady(t)) return;
      const { server, name, address, login, fail, locked } = await setUp(t, backend);
      const [joe, ann] = [name('joe'), name('ann')];
      await createUser(server.app, joe);
      await createUser(server.app, ann);
      const [attacker, owner] = [address(), address()];

      for (let attempt = 1; attempt <= 5; attempt++) await fail(joe, attacker);
      await locked(joe, attacker);

      assert.equal((await expectOk(await login(joe, PASSWORD, owner))).username, joe);
      await fail(ann, attacker);
      assert.equal((await expectOk(await login(ann, PASSWORD, address()))).username, ann);
    });

    it('locks an account everywhere once failures from many addresses reach its ceiling', async (t) => {
      if (await skipUnlessReady(t)) return;
      const { server, name, address, login, fail, locked } = await setUp(t, backend, {
        ENDPOINT_LOGIN_MAX_FAILURES_PER_ACCOUNT: '12',
      });
      const joe = name('joe');
      await createUser(server.app, joe);

      for (let from = 1; from <= 3; from++) {
        const attacker = address();
        for (let attempt = 1; attempt <= (from === 3 ? 3 : 4); attempt++) await fail(joe, attacker);
      }
      // The owner's success from elsewhere does not wipe the attackers' count.
      await expectOk(await login(joe, PASSWORD, address()));
      await fail(joe, address());

      await locked(joe, address());
    });

    it('locks an address out of every account at its own count, and only that address', async (t) => {
      if (await skipUnlessReady(t)) return;
      const { server, name, address, login, fail, locked } = await setUp(t, backend, {
        ENDPOINT_LOGIN_MAX_FAILURES_PER_ADDRESS: '10',
      });
      const [joe, dave] = [name('joe'), name('dave')];
      await createUser(server.app, joe);
      await createUser(server.app, dave);
      const attacker = address();

      for (let attempt = 1; attempt <= 5; attempt++) await fail(joe, attacker);
      for (const other of ['ann', 'bob', 'carl', 'nobody', 'ghost']) await fail(name(other), attacker);

      await locked(dave, attacker);
      await expectOk(await login(joe, PASSWORD, address()));
      await expectOk(await login(dave, PASSWORD, address()));
    });
  });
}
