import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { runCli } from './helpers/cli.ts';
import { createTestDatabase } from './helpers/database.ts';
import { EVENTS_ENV, verified } from './helpers/events.ts';
import { Client } from './helpers/http.ts';
import { freePort, killGroup, pollUntil, spawnServer } from './helpers/process.ts';
import { startReceiver } from './helpers/receiver.ts';
import { TEST_SECRET_KEY } from './helpers/server.ts';
import { PASSWORD } from './helpers/users.ts';

/** Starts `serve` on a free port, in a process group of its own, and waits until it answers. */
async function startServe(t: TestContext, env: Record<string, string>) {
  const port = await freePort();
  const server = spawnServer(['serve', '--host', '127.0.0.1', '--port', String(port)], { env, detached: true });
  t.after(() => killGroup(server, 'SIGKILL'));
  const url = `http://127.0.0.1:${port}`;
  await pollUntil('serve to answer /healthz', 30_000, async () => {
    if (server.child.exitCode !== null) throw new Error(`serve exited early:\n${server.output.join('\n')}`);
    return (await fetch(`${url}/healthz`).catch(() => undefined))?.status === 200;
  });
  return { server, url };
}

describe('the outbox across a crash', () => {
  it('sends, after a restart, a message committed before the server was killed and never sent', async (t) => {
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
    const secret = added.stdout.trim();

    // The first server commits the change and its message, but sends nothing: its worker is off.
    const first = await startServe(t, { ...env, ENDPOINT_HOOK_WORKER: 'off' });
    const client = new Client(first.url);
    await client.login('root', PASSWORD);
    const created = await client.post('/api/v1/users', { username: 'survivor', password: PASSWORD });
    assert.equal(created.status, 201);
    killGroup(first.server, 'SIGKILL');
    await first.server.exited;
    assert.equal(receiver.received.length, 0);

    await startServe(t, env);
    const [request] = await receiver.waitFor(1, undefined, 30_000);
    const message = verified(request, secret);
    assert.equal(message.type, 'user.created');
    assert.equal(message.data.username, 'survivor');
  });
});
