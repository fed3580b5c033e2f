import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Client } from './helpers/http.ts';
import { startTestServer } from './helpers/server.ts';
import { createUser } from './helpers/users.ts';

const ROUNDS = 7;

async function medianLoginMs(client: Client, username: string): Promise<number> {
  const times: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const started = performance.now();
    const response = await client.post('/api/v1/users/authenticate', { username, password: 'not the password 1' });
    times.push(performance.now() - started);
    assert.equal(response.status, 401);
  }
  return times.sort((a, b) => a - b)[Math.floor(ROUNDS / 2)];
}

// Django's test_authentication_timing: the hasher runs once whether or not the user exists, so
// response time does not tell an attacker which usernames are real. Without the dummy hash an
// unknown user answers in about a millisecond against tens for a real one; the bounds are wide
// enough for a noisy machine and far too narrow for that.
describe('login timing', () => {
  it('takes as long for an unknown username as for a wrong password', async (t) => {
    const server = await startTestServer(t, { env: { ENDPOINT_LOGIN_MAX_FAILURES_PER_ACCOUNT: '1000' } });
    await createUser(server.app, 'joe');
    const client = new Client(server.url);
    await medianLoginMs(client, 'warm-up');
    const known = await medianLoginMs(client, 'joe');
    const unknown = await medianLoginMs(client, 'nobody-by-this-name');
    const ratio = unknown / known;
    assert.ok(ratio > 0.4 && ratio < 2.5, `unknown ${unknown.toFixed(1)} ms vs known ${known.toFixed(1)} ms`);
  });
});
