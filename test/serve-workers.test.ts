import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { createDb } from './helpers/built.ts';
import { runCli } from './helpers/cli.ts';
import { createTestDatabase } from './helpers/database.ts';
import { isAlive, killGroup, LISTENING, listeningWorkers, type ServerProcess, spawnServer } from './helpers/process.ts';
import { TEST_SECRET_KEY } from './helpers/server.ts';

async function freshDatabase(t: TestContext) {
  const database = await createTestDatabase();
  t.after(() => database.drop());
  const env = { ENDPOINT_DATABASE_URL: database.url, ENDPOINT_SECRET_KEY: TEST_SECRET_KEY };
  assert.equal((await runCli(['init-db'], { env })).code, 0);
  return { database, env };
}

/** Pid of each request whose URL starts with `path` that a worker logged as completed. */
function completedPids(server: ServerProcess, path: string): number[] {
  const pids: number[] = [];
  const started = new Set<string>();
  for (const line of server.output) {
    if (!line.startsWith('{')) continue;
    const entry = JSON.parse(line);
    const key = `${entry.pid}/${entry.reqId}`;
    if (entry.req?.url?.startsWith(path)) started.add(key);
    if (entry.msg === 'request completed' && started.has(key)) pids.push(entry.pid);
  }
  return pids;
}

/**
 * The pids that answered the `count` requests to `path`. A worker's log line may reach the pipe
 * after its answer reached the test, so the lines are awaited (for 5 s at most).
 */
async function answeringPids(server: ServerProcess, path: string, count: number): Promise<Set<number>> {
  const deadline = Date.now() + 5000;
  while (completedPids(server, path).length < count && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return new Set(completedPids(server, path));
}

/** The same request many times at once, each on a connection of its own so they spread over the workers. */
function requestConcurrently(url: string, times: number, init: RequestInit = {}): Promise<number[]> {
  const once = async () => {
    const response = await fetch(url, { ...init, headers: { ...init.headers, connection: 'close' } });
    await response.arrayBuffer();
    return response.status;
  };
  return Promise.all(Array.from({ length: times }, once));
}

describe('serve --workers', () => {
  it('refuses a worker count that is not a whole number from 1 to 64 with one error line', async (t) => {
    const { env } = await freshDatabase(t);
    for (const workers of ['0', '65', 'two']) {
      const result = await runCli(['serve', '--port', '0', '--workers', workers], { env });
      assert.equal(result.code, 1, workers);
      assert.equal(result.stderr, `error: --workers must be a whole number from 1 to 64, got "${workers}"\n`);
    }
  });

  it('serves from two workers on one port, stores a delivery both receive at once exactly once, replaces a dead worker and stops every worker on SIGTERM', async (t) => {
    const { database, env } = await freshDatabase(t);
    const added = await runCli(['add-hook', '--name', 'x', '--handler', 'inbox', '--verify', 'standard'], { env });
    assert.equal(added.code, 0, added.stderr);
    const secret = added.stdout.trim();
    const server = spawnServer(['serve', '--host', '127.0.0.1', '--port', '0', '--workers', '2'], {
      env: { ...env, ENDPOINT_LOG_LEVEL: 'info' },
      detached: true,
    });
    t.after(() => killGroup(server, 'SIGKILL'));
    const workers = await listeningWorkers(server, 2);
    const port = Number(LISTENING.exec(await server.waitFor(LISTENING))?.[2]);
    const base = `http://127.0.0.1:${port}`;
    assert.ok(!workers.includes(server.child.pid ?? 0), 'the primary serves nothing itself');
    assert.equal((await fetch(`${base}/healthz`)).status, 200);

    // One setup link, printed once, accepted by every worker.
    const setupLine = await server.waitFor(/setup\?token=/);
    const token = new RegExp(`http://localhost:${port}/setup\\?token=([\\w-]{32})$`).exec(setupLine)?.[1];
    assert.ok(token, setupLine);
    const setups = await requestConcurrently(`${base}/setup?token=${token}`, 12);
    assert.deepEqual(new Set(setups), new Set([200]));
    assert.deepEqual(await answeringPids(server, '/setup', 12), new Set(workers), 'both workers answered the one link');

    // The same Standard Webhooks delivery, signed once, sent to both workers at the same moment.
    const payload = '{"type":"ping"}';
    const sentAt = new Date();
    const statuses = await requestConcurrently(`${base}/hooks/x`, 40, {
      method: 'POST',
      body: payload,
      headers: {
        'content-type': 'application/json',
        'webhook-id': 'msg_twice',
        'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
        'webhook-signature': new Webhook(secret).sign('msg_twice', sentAt, payload),
      },
    });
    assert.equal(statuses.filter((status) => status === 202).length, 1, `statuses: ${statuses}`);
    assert.equal(statuses.filter((status) => status === 200).length, 39, `statuses: ${statuses}`);
    assert.deepEqual(await answeringPids(server, '/hooks/x', 40), new Set(workers), 'both workers received it');
    const db = createDb(database.url);
    t.after(() => db.destroy());
    const rows = await db.selectFrom('hook_deliveries').select('external_id').execute();
    assert.deepEqual(rows, [{ external_id: 'msg_twice' }]);

    // A worker that dies is replaced; the others keep serving meanwhile.
    process.kill(workers[0], 'SIGKILL');
    const [, , replacement] = await listeningWorkers(server, 3, workers);
    assert.equal((await fetch(`${base}/healthz`, { headers: { connection: 'close' } })).status, 200);
    assert.ok(server.output.some((line) => line.includes('"msg":"worker died"') && line.includes(`${workers[0]}`)));

    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0);
    for (const pid of [workers[1], replacement]) assert.equal(isAlive(pid), false, `worker ${pid} is left behind`);
    for (const pid of [workers[1], replacement]) {
      assert.ok(server.output.some((line) => line.includes(`"pid":${pid}`) && line.includes('shutting down')));
    }
    assert.equal(
      server.output.filter((line) => line.includes(token)).length,
      1,
      'the link is printed once, never logged',
    );
    for (const line of server.output.filter((l) => l.trim() !== '' && l !== setupLine)) {
      assert.doesNotThrow(() => JSON.parse(line), `not a JSON log line: ${line}`);
    }
  });

  it('gives up with exit code 1 when workers die as soon as they start', async (t) => {
    const { env } = await freshDatabase(t);
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    t.after(() => taken.close());
    const { port } = taken.address() as { port: number };
    const server = spawnServer(['serve', '--host', '127.0.0.1', '--port', String(port), '--workers', '2'], {
      env: { ...env, ENDPOINT_LOG_LEVEL: 'error' },
      detached: true,
    });
    t.after(() => killGroup(server, 'SIGKILL'));
    assert.equal(await server.exited, 1);
    assert.ok(server.output.some((line) => /^error: .*EADDRINUSE/.test(line)));
    assert.ok(server.output.some((line) => line.includes('workers died within seconds of starting')));
  });
});
