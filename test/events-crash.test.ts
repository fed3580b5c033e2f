import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { runCli } from './helpers/cli.ts';
import { createTestDatabase } from './helpers/database.ts';
import { EVENTS_ENV, verified } from './helpers/events.ts';
import { Client } from './helpers/http.ts';
import { killGroup, startServeGroup } from './helpers/process.ts';
import { startReceiver } from './helpers/receiver.ts';
import { TEST_SECRET_KEY } from './helpers/server.ts';
import { PASSWORD } from './helpers/users.ts';

/** A migrated database with an admin `root`, a receiver, and a subscription of it to user.created. */
async function subscribed(t: TestContext) {
  const database = await createTestDatabase();
  t.after(() => database.drop());
  const receiver = await startReceiver(t);
  const env = {
    ENDPOINT_DATABASE_URL: database.url,
    ENDPOINT_SECRET_KEY: TEST_SECRET_KEY,
    ENDPOINT_LOG_LEVEL: 'warn',
    ...EVENTS_ENV,
  };
  assert.equal((await runCli(['init-db'], { env })).code, 0);
  for (const args of [
    ['add-user', '--username', 'root', '--password', PASSWORD],
    ['add-group', '--groupname', 'admin'],
    ['add-group-member', '--groupname', 'admin', '--membername', 'root'],
  ]) {
    assert.equal((await runCli(args, { env })).code, 0);
  }
  const added = await runCli(['add-subscription', '--url', receiver.url, '--events', 'user.created'], { env });
  assert.equal(added.code, 0, added.stderr);
  return { env, receiver, secret: added.stdout.trim() };
}

describe('the outbox across a crash', () => {
  it('sends, after a restart, a message committed before the server was killed and never sent', async (t) => {
    const { env, receiver, secret } = await subscribed(t);

    // The first server commits the change and its message, but sends nothing: its worker is off.
    const first = await startServeGroup(t, { ...env, ENDPOINT_HOOK_WORKER: 'off' });
    const client = new Client(first.url);
    await client.login('root', PASSWORD);
    const created = await client.post('/api/v1/users', { username: 'survivor', password: PASSWORD });
    assert.equal(created.status, 201);
    killGroup(first.server, 'SIGKILL');
    await first.server.exited;
    assert.equal(receiver.received.length, 0);

    await startServeGroup(t, env);
    const [request] = await receiver.waitFor(1, undefined, 30_000);
    const message = verified(request, secret);
    assert.equal(message.type, 'user.created');
    assert.equal(message.data.username, 'survivor');
  });

  it('is sent under serve --workers 2 (on SQLite by the primary, the one writer)', async (t) => {
    const { env, receiver, secret } = await subscribed(t);
    const { url } = await startServeGroup(t, env, 2);
    const client = new Client(url);
    await client.login('root', PASSWORD);
    for (const username of ['alice', 'bob', 'carol', 'dave']) {
      const created = await client.post('/api/v1/users', { username, password: PASSWORD });
      assert.equal(created.status, 201);
    }
    const requests = await receiver.waitFor(4, undefined, 30_000);
    const names = requests.map((request) => verified(request, secret).data.username).sort();
    assert.deepEqual(names, ['alice', 'bob', 'carol', 'dave']);
  });
});
