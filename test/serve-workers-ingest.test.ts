import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import twilio from 'twilio';
import type { Db } from '../src/core/db.ts';
import { createDb } from './helpers/built.ts';
import { runCli } from './helpers/cli.ts';
import { createTestDatabase } from './helpers/database.ts';
import { signedHeaders } from './helpers/hooks.ts';
import {
  freePort,
  killGroup,
  LISTENING,
  listeningWorkers,
  pollUntil,
  type ServerProcess,
  spawnServer,
} from './helpers/process.ts';
import { TEST_SECRET_KEY } from './helpers/server.ts';

// Hook ingest under `serve --workers 2`, against the built server. On SQLite the primary commits
// every worker's deliveries (the file's one writer); on PostgreSQL each worker commits its own.
// Either way: each delivery stored once, every 2xx durable, a dead worker replaced while the
// other goes on receiving.

const AUTH_TOKEN = '0123456789abcdef0123456789abcdef';

interface Served {
  server: ServerProcess;
  url: string;
  db: Db;
  env: Record<string, string>;
  /** The first two workers' pids. */
  workers: number[];
}

/** A migrated database with hook `h` (Standard Webhooks, inbox), and `serve --workers 2` on it in a group of its own. */
async function serveTwoWorkers(t: TestContext): Promise<Served & { secret: string }> {
  const database = await createTestDatabase();
  t.after(() => database.drop());
  const env = { ENDPOINT_DATABASE_URL: database.url, ENDPOINT_SECRET_KEY: TEST_SECRET_KEY };
  assert.equal((await runCli(['init-db'], { env })).code, 0);
  const added = await runCli(['add-hook', '--name', 'h', '--handler', 'inbox', '--verify', 'standard'], { env });
  assert.equal(added.code, 0, added.stderr);
  const server = spawnServer(['serve', '--host', '127.0.0.1', '--port', String(await freePort()), '--workers', '2'], {
    env: { ...env, ENDPOINT_LOG_LEVEL: 'info' },
    detached: true,
  });
  t.after(() => killGroup(server, 'SIGKILL'));
  const workers = await listeningWorkers(server, 2);
  const port = Number(LISTENING.exec(await server.waitFor(LISTENING))?.[2]);
  const db = createDb(database.url);
  t.after(() => db.destroy());
  return { server, url: `http://127.0.0.1:${port}`, db, env, workers, secret: added.stdout.trim() };
}

/** The pids of the workers that logged a completed POST to `path`. */
function answeringPids(server: ServerProcess, path: string): Set<number> {
  const started = new Set<string>();
  const pids = new Set<number>();
  for (const line of server.output) {
    if (!line.startsWith('{')) continue;
    const entry = JSON.parse(line);
    const key = `${entry.pid}/${entry.reqId}`;
    if (entry.req?.method === 'POST' && entry.req?.url === path) started.add(key);
    if (entry.msg === 'request completed' && started.has(key)) pids.add(entry.pid);
  }
  return pids;
}

interface Sent {
  id: string;
  /** The HTTP status, or undefined when the connection failed without an answer. */
  status?: number;
  /** The stored delivery's id the server answered. */
  deliveryId?: number;
}

/** One signed delivery, on a connection of its own so that deliveries spread over the workers. */
async function deliver(served: Served & { secret: string }, id: string): Promise<Sent> {
  const payload = JSON.stringify({ type: 'ingest.test', data: { id } });
  const headers = await signedHeaders('standard', served.secret, id, payload);
  try {
    const response = await fetch(`${served.url}/hooks/h`, {
      method: 'POST',
      body: payload,
      headers: { ...headers, connection: 'close' },
      // As senders do (GitHub waits 10 s): a connection node:cluster's primary was handing to a
      // worker as it was killed is never answered nor closed, and fetch alone would wait 300 s.
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await response.json()) as { id?: number };
    return { id, status: response.status, deliveryId: body.id };
  } catch {
    return { id };
  }
}

/** Sends every id, `inFlight` at a time, calling `each` after every answer. */
async function stream(
  served: Served & { secret: string },
  ids: string[],
  inFlight: number,
  each: (sent: Sent, done: number) => void = () => {},
): Promise<Sent[]> {
  const results: Sent[] = [];
  let next = 0;
  const sender = async () => {
    while (next < ids.length) {
      const sent = await deliver(served, ids[next++]);
      results.push(sent);
      each(sent, results.length);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, sender));
  return results;
}

/** How many rows each external id has. */
async function storedCounts(db: Db): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('hook_deliveries')
    .select(['external_id', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('external_id')
    .execute();
  return new Map(rows.map((row) => [row.external_id, Number(row.n)]));
}

const ids = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}_${i}`);

describe('serve --workers 2 receiving hook deliveries', () => {
  it('stores each of many concurrent deliveries over both workers once, every 2xx durable when the whole group is SIGKILLed at once', async (t) => {
    const served = await serveTwoWorkers(t);
    const sent = await stream(served, ids('many', 240), 48);
    assert.deepEqual(
      sent.filter((s) => s.status !== 202),
      [],
    );
    // No graceful anything: the last 2xx has just arrived, and every process dies now.
    killGroup(served.server, 'SIGKILL');
    await served.server.exited;
    assert.deepEqual(answeringPids(served.server, '/hooks/h'), new Set(served.workers), 'both workers received');

    const stored = await storedCounts(served.db);
    assert.deepEqual([...stored.keys()].sort(), ids('many', 240).sort());
    assert.deepEqual(new Set(stored.values()), new Set([1]));
    const rows = await served.db.selectFrom('hook_deliveries').select(['id', 'external_id']).execute();
    const answered = new Map(sent.map((s) => [s.id, s.deliveryId]));
    for (const row of rows) assert.equal(answered.get(row.external_id), row.id, 'each sender got its own row id');
  });

  it('stores each of several deliveries sent many times at once over both workers exactly once, answering every copy with its id', async (t) => {
    const served = await serveTwoWorkers(t);
    const distinct = ids('dup', 8);
    const copies = Array.from({ length: 8 }, () => distinct).flat();
    const sent = await stream(served, copies, 32);
    const stored = await storedCounts(served.db);
    assert.deepEqual([...stored.keys()].sort(), [...distinct].sort());
    assert.deepEqual(new Set(stored.values()), new Set([1]));
    for (const id of distinct) {
      const answers = sent.filter((s) => s.id === id);
      assert.deepEqual(answers.map((s) => s.status).sort(), [200, 200, 200, 200, 200, 200, 200, 202], id);
      assert.equal(new Set(answers.map((s) => s.deliveryId)).size, 1, `every copy of ${id} answers one stored id`);
    }
    assert.deepEqual(answeringPids(served.server, '/hooks/h'), new Set(served.workers), 'both workers received');

    // One scrape counts the cluster: what the workers received, and what was processed (on SQLite
    // by the primary's delivery worker).
    const counted = (text: string, metric: string) =>
      Number(new RegExp(`^${metric}\\{hook="h"\\} (\\d+)$`, 'm').exec(text)?.[1]);
    let text = '';
    await pollUntil('every delivery to be counted processed', 20_000, async () => {
      text = await (await fetch(`${served.url}/metrics`)).text();
      return counted(text, 'endpoint_hook_deliveries_processed_total') === distinct.length;
    });
    assert.equal(counted(text, 'endpoint_hook_deliveries_received_total'), distinct.length);
  });

  it('goes on receiving while a worker is SIGKILLed: the primary replaces it, and nothing acknowledged is lost', async (t) => {
    const served = await serveTwoWorkers(t);
    const [victim, survivor] = served.workers;
    const all = ids('kill', 300);
    let killed = false;
    const sent = await stream(served, all, 8, (_sent, done) => {
      if (done === 100 && !killed) {
        killed = true;
        process.kill(victim, 'SIGKILL');
      }
    });
    const [, , replacement] = await listeningWorkers(served.server, 3, served.workers);
    assert.ok(served.server.output.some((line) => line.includes('"msg":"worker died"') && line.includes(`${victim}`)));

    // Only requests the victim held may have gone unanswered; none was answered with an error.
    const answered = sent.filter((s) => s.status !== undefined);
    assert.deepEqual(
      answered.filter((s) => s.status !== 202),
      [],
    );
    assert.ok(answered.length >= 280, `${answered.length} of 300 answered`);
    const stored = await storedCounts(served.db);
    for (const s of answered) assert.equal(stored.get(s.id), 1, `${s.id} was acknowledged: stored once`);

    // The senders whose answer was lost send again: 200 if it was stored after all, else 202.
    const missed = sent.filter((s) => s.status === undefined).map((s) => s.id);
    const again = await stream(served, missed, 8);
    for (const s of again) assert.equal(s.status, stored.has(s.id) ? 200 : 202, s.id);
    const after = await stream(served, ids('after', 40), 8);
    assert.deepEqual(new Set(after.map((s) => s.status)), new Set([202]));
    const pids = answeringPids(served.server, '/hooks/h');
    for (const pid of [survivor, replacement]) assert.ok(pids.has(pid), `worker ${pid} received deliveries`);

    const final = await storedCounts(served.db);
    assert.equal(final.size, 340);
    assert.deepEqual(new Set(final.values()), new Set([1]));
  });

  it('runs an inline handler in the request on either worker, and answers a hook removed meanwhile with 404, never a 500', async (t) => {
    const served = await serveTwoWorkers(t);
    const added = await runCli(
      ['add-hook', '--name', 'sms', '--handler', 'links.twilio-sms', '--verify', 'twilio', '--secret', AUTH_TOKEN],
      { env: served.env },
    );
    assert.equal(added.code, 0, added.stderr);
    const sms = (n: number) => {
      const params = {
        AccountSid: 'AC0123456789abcdef0123456789abcdef',
        MessageSid: `SM${String(n).padStart(32, '0')}`,
        From: '+15551234567',
        To: '+15005550001',
        Body: `read https://example.org/${n}`,
        NumMedia: '0',
      };
      return fetch(`${served.url}/hooks/sms`, {
        method: 'POST',
        body: new URLSearchParams(params).toString(),
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-twilio-signature': twilio.getExpectedTwilioSignature(AUTH_TOKEN, `${served.url}/hooks/sms`, params),
          connection: 'close',
        },
      });
    };
    const replies = await Promise.all(Array.from({ length: 12 }, (_, n) => sms(n)));
    for (const reply of replies) {
      assert.equal(reply.status, 200);
      assert.equal(await reply.text(), '<Response><Message>Saved 1 link</Message></Response>');
    }
    const done = await served.db
      .selectFrom('hook_deliveries')
      .innerJoin('hooks', 'hooks.id', 'hook_deliveries.hook_id')
      .select('hook_deliveries.status')
      .where('hooks.name', '=', 'sms')
      .execute();
    assert.deepEqual(
      done.map((row) => row.status),
      Array(12).fill('done'),
      'each ran in its request, claimed at its insert',
    );
    assert.deepEqual(answeringPids(served.server, '/hooks/sms'), new Set(served.workers), 'both workers ran it');

    // Deliveries keep arriving while the hook is removed, and for a while after: each is stored,
    // or the hook is unknown (looked up before the removal and stored after it, too).
    const removal = runCli(['remove-hook', '--name', 'h'], { env: served.env });
    let removed = false;
    void removal.then(() => (removed = true));
    let next = 0;
    let afterRemoval = 0;
    const sent: Sent[] = [];
    const sender = async () => {
      while (afterRemoval < 32 && next < 20_000) {
        const done = removed;
        sent.push(await deliver(served, `gone_${next++}`));
        if (done) afterRemoval++;
      }
    };
    await Promise.all(Array.from({ length: 16 }, sender));
    assert.equal((await removal).code, 0);
    const statuses = new Set(sent.map((s) => s.status));
    assert.ok(statuses.has(202) && statuses.has(404), `statuses: ${[...statuses]}`);
    assert.deepEqual(
      sent.filter((s) => s.status !== 202 && s.status !== 404),
      [],
    );
  });
});
