import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Client } from './helpers/http.ts';
import { startTestServer } from './helpers/server.ts';
import { createUser } from './helpers/users.ts';

const ROUNDS = 9;

async function loginMs(client: Client, username: string): Promise<number> {
  const started = performance.now();
  const response = await client.post('/api/v1/users/authenticate', { username, password: 'not the password 1' });
  const elapsed = performance.now() - started;
  assert.equal(response.status, 401);
  return elapsed;
}

const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];

// Django's test_authentication_timing: the hasher runs once whether or not the user exists, so
// response time does not tell an attacker which usernames are real. Without the dummy hash an
// unknown user answers in about a millisecond against tens for a real one. The two kinds are
// interleaved so a busy machine slows both alike, and only "much faster" is the leak tested for.
describe('login timing', () => {
  it('takes as long for an unknown username as for a wrong password', async (t) => {
    const server = await startTestServer(t, {
      env: { ENDPOINT_LOGIN_MAX_FAILURES_PER_ACCOUNT: '1000', ENDPOINT_LOGIN_MAX_FAILURES_PER_ACCOUNT_ADDRESS: '1000' },
    });
    await createUser(server.app, 'joe');
    const client = new Client(server.url);
    await loginMs(client, 'warm-up');
    const known: number[] = [];
    const unknown: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      known.push(await loginMs(client, 'joe'));
      unknown.push(await loginMs(client, 'nobody-by-this-name'));
    }
    const [knownMs, unknownMs] = [median(known), median(unknown)];
    assert.ok(unknownMs / knownMs > 0.4, `unknown ${unknownMs.toFixed(1)} ms vs known ${knownMs.toFixed(1)} ms`);
  });
});
