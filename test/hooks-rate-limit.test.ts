import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { expectOk, expectProblem } from './helpers/api.ts';
import { addHook, postHook, signedHeaders, storedDeliveries } from './helpers/hooks.ts';
import { redisAnswers, TEST_REDIS_URL } from './helpers/redis.ts';
import { startTestServer } from './helpers/server.ts';
import { OPERATOR } from './helpers/users.ts';

const PAYLOAD = '{"type":"ping"}';
describe('rate limits on /hooks', () => {
  it('answers 429 with Retry-After past ENDPOINT_HOOK_RATE_LIMIT calls a minute per hook and address', async (t) => {
    const server = await startTestServer(t, { env: { ENDPOINT_HOOK_RATE_LIMIT: '3', ENDPOINT_TRUST_PROXY: 'true' } });
    const hook = await addHook(server.app, 'billing', 'standard');
    const other = await addHook(server.app, 'other', 'standard');
    await server.app.hooks.updateHook(OPERATOR, 'billing', { legacyPath: '/old/billing' });
    let sent = 0;
    const send = async (path: string, secret: string, address: string) => {
      sent += 1;
      const headers = await signedHeaders('standard', secret, `msg_${sent}`, PAYLOAD);
      return postHook(server.url, path, PAYLOAD, { ...headers, 'x-forwarded-for': address });
    };

    await expectOk(await send('/hooks/billing', hook.secret, '203.0.113.7'), 202);
    // Refused calls count too: the limit is on calls, not on deliveries.
    await expectProblem(await send('/hooks/billing', other.secret, '203.0.113.7'), 401, 'signature_invalid');
    // The legacy path is the same hook, so the same allowance.
    await expectOk(await send('/old/billing', hook.secret, '203.0.113.7'), 202);
    for (const path of ['/hooks/billing', '/old/billing']) {
      const limited = await send(path, hook.secret, '203.0.113.7');
      const retryAfter = Number(limited.headers.get('retry-after'));
      assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
      await expectProblem(limited, 429, 'too_many_requests');
    }
    assert.equal((await storedDeliveries(server.db, hook.id)).length, 2);

    // Another address, or another hook from the same address, has its own allowance.
    await expectOk(await send('/hooks/billing', hook.secret, '198.51.100.1'), 202);
    await expectOk(await send('/hooks/other', other.secret, '203.0.113.7'), 202);
  });

  it('shares the count between processes through ENDPOINT_REDIS_URL', async (t) => {
    if (!(await redisAnswers())) return t.skip(`no Redis at ${TEST_REDIS_URL}`);
    const env = { ENDPOINT_HOOK_RATE_LIMIT: '2', ENDPOINT_REDIS_URL: TEST_REDIS_URL };
    const first = await startTestServer(t, { env });
    const second = await startTestServer(t, { env });
    // Counters outlive the test for their minute, so each run uses a name of its own.
    const name = `shared-${randomUUID().slice(0, 8)}`;
    const hooks = [await addHook(first.app, name, 'github'), await addHook(second.app, name, 'github')];
    const servers = [first, second, first];
    const statuses: number[] = [];
    for (const [index, server] of servers.entries()) {
      const secret = hooks[server === first ? 0 : 1].secret;
      const headers = await signedHeaders('github', secret, `d${index}`, PAYLOAD);
      statuses.push((await postHook(server.url, `/hooks/${name}`, PAYLOAD, headers)).status);
    }
    assert.deepEqual(statuses, [202, 202, 429]);
  });
});
