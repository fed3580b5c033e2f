import assert from 'node:assert/strict';
import { Agent, request as httpRequest } from 'node:http';
import { describe, it, type TestContext } from 'node:test';
import { Webhook } from 'standardwebhooks';
import type { Db } from '../src/core/db.ts';
import { createDb } from './helpers/built.ts';
import { runCli } from './helpers/cli.ts';
import { createTestDatabase } from './helpers/database.ts';
import { killGroup, pollUntil, startServeGroup } from './helpers/process.ts';
import { TEST_SECRET_KEY } from './helpers/server.ts';

// Crash safety of the inbox, against the real `serve`: a stream of signed deliveries, the server
// killed in the middle of it, restarted on the same database. What a sender was told (a 2xx) must
// be stored exactly once and then processed; what it was not told, it sends again.

// Long enough after the signal for the slowest shutdown seen: on a loaded CI machine, serve on
// PostgreSQL with two workers answered 200 more before it stopped taking connections.
const TOTAL = 600;
const IN_FLIGHT = 8;
/** Acknowledgements before the signal: the stream is well under way, far from done. */
const SIGNAL_AFTER = 100;
const PROCESSED_WITHIN_MS = 30_000;

interface Outcome {
  id: string;
  /** The HTTP status, or undefined when the connection failed without an answer. */
  status?: number;
  /** Whether the request was sent before the server was signalled. */
  sentBeforeSignal: boolean;
  /** Whether its answer came after the server was signalled. */
  answeredAfterSignal: boolean;
  /** Why the request got no answer. */
  error?: string;
}

const ok = (outcome: Outcome) => outcome.status !== undefined && outcome.status >= 200 && outcome.status < 300;

interface Setup {
  db: Db;
  env: Record<string, string>;
  secret: string;
  hookId: number;
}

async function setUp(t: TestContext): Promise<Setup> {
  const database = await createTestDatabase();
  t.after(() => database.drop());
  const env = {
    ENDPOINT_DATABASE_URL: database.url,
    ENDPOINT_SECRET_KEY: TEST_SECRET_KEY,
    ENDPOINT_HOOK_LEASE: '1s',
    ENDPOINT_LOG_LEVEL: 'warn',
  };
  assert.equal((await runCli(['init-db'], { env })).code, 0);
  const added = await runCli(['add-hook', '--name', 'crash', '--handler', 'inbox', '--verify', 'standard'], { env });
  assert.equal(added.code, 0, added.stderr);
  const db = createDb(database.url);
  t.after(() => db.destroy());
  const hook = await db.selectFrom('hooks').select('id').where('name', '=', 'crash').executeTakeFirstOrThrow();
  return { db, env, secret: added.stdout.trim(), hookId: hook.id };
}

function deliveryIds(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `msg_${String(i).padStart(4, '0')}`);
}

/** Kept-alive connections, as a busy sender keeps them. */
const agent = new Agent({ keepAlive: true });

/**
 * One delivery as a Standard Webhooks sender signs it, sent now. node:http rather than fetch, for
 * its 'finish': a request counts as sent before the signal only once its last byte was written
 * to the socket before the signal was sent, not when the call that would write it was made.
 */
function deliver(url: string, secret: string, id: string, signalled: () => boolean): Promise<Outcome> {
  const payload = JSON.stringify({ type: 'crash.test', data: { id } });
  const sentAt = new Date();
  const outcome: Outcome = { id, sentBeforeSignal: false, answeredAfterSignal: false };
  return new Promise((resolve) => {
    const request = httpRequest(`${url}/hooks/crash`, {
      method: 'POST',
      agent,
      headers: {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
        'webhook-signature': new Webhook(secret).sign(id, sentAt, payload),
      },
    });
    request.on('finish', () => {
      outcome.sentBeforeSignal = !signalled();
    });
    request.on('response', (response) => {
      response.resume();
      response.on('end', () => resolve({ ...outcome, status: response.statusCode, answeredAfterSignal: signalled() }));
      response.on('error', (error) => resolve({ ...outcome, error: String(error) }));
    });
    request.on('error', (error) => resolve({ ...outcome, error: (error as { code?: string }).code ?? String(error) }));
    request.end(payload);
  });
}

/**
 * Sends every id, IN_FLIGHT at a time, and calls `signal` once SIGNAL_AFTER have been
 * acknowledged; the rest are still sent, as a sender would, and fail against a dead server.
 */
async function stream(url: string, secret: string, ids: string[], signal: () => void): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  let next = 0;
  let acknowledged = 0;
  let signalled = false;
  const sender = async () => {
    while (next < ids.length) {
      const outcome = await deliver(url, secret, ids[next++], () => signalled);
      outcomes.push(outcome);
      if (ok(outcome) && ++acknowledged === SIGNAL_AFTER) {
        signalled = true;
        signal();
      }
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, sender));
  return outcomes;
}

/** How many rows each external id has in the inbox. */
async function storedCounts(setup: Setup): Promise<Map<string, number>> {
  const rows = await setup.db
    .selectFrom('hook_deliveries')
    .select(['external_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('hook_id', '=', setup.hookId)
    .groupBy('external_id')
    .execute();
  return new Map(rows.map((row) => [row.external_id, Number(row.n)]));
}

/** Waits until every one of `ids` has status done: the handler ran after the restart. */
async function processed(setup: Setup, ids: string[]): Promise<void> {
  await pollUntil(`${ids.length} deliveries to reach status done`, PROCESSED_WITHIN_MS, async () => {
    const done = await setup.db
      .selectFrom('hook_deliveries')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('hook_id', '=', setup.hookId)
      .where('external_id', 'in', ids)
      .where('status', '=', 'done')
      .executeTakeFirstOrThrow();
    return Number(done.n) === ids.length;
  });
}

/**
 * After the restart: the unacknowledged deliveries sent again, as their sender would. Each is
 * answered 200 when it had been stored though its answer was lost, 202 otherwise; in the end
 * every delivery is stored exactly once and processed.
 */
async function resendUnacknowledged(setup: Setup, url: string, outcomes: Outcome[], stored: Map<string, number>) {
  const missed = outcomes.filter((outcome) => !ok(outcome)).map((outcome) => outcome.id);
  const again = await Promise.all(missed.map((id) => deliver(url, setup.secret, id, () => false)));
  for (const outcome of again) assert.equal(outcome.status, stored.has(outcome.id) ? 200 : 202, outcome.id);
  const all = await storedCounts(setup);
  assert.equal(all.size, TOTAL);
  assert.deepEqual(new Set(all.values()), new Set([1]), 'every delivery is stored exactly once');
  await processed(setup, [...all.keys()]);
}

for (const workers of [1, 2]) {
  const serve = workers === 1 ? 'serve' : `serve --workers ${workers}`;

  describe(`${serve} killed in the middle of a stream of deliveries`, () => {
    it('loses none it acknowledged when SIGKILLed, and processes them after a restart', async (t) => {
      const setup = await setUp(t);
      const first = await startServeGroup(t, setup.env, workers);
      // The whole process group, as systemd kills a service's cgroup: a worker would otherwise
      // finish its requests after its primary died.
      const outcomes = await stream(first.url, setup.secret, deliveryIds(TOTAL), () =>
        killGroup(first.server, 'SIGKILL'),
      );
      await first.server.exited;
      assert.equal(first.server.child.signalCode, 'SIGKILL');

      const second = await startServeGroup(t, setup.env, workers);
      const acknowledged = outcomes.filter(ok).map((outcome) => outcome.id);
      const stored = await storedCounts(setup);
      const lost = acknowledged.filter((id) => !stored.has(id));
      t.diagnostic(
        `sent ${outcomes.length}, acknowledged ${acknowledged.length}, stored ${stored.size}, lost ${lost.length}` +
          ` (stored but not acknowledged: ${stored.size - acknowledged.length + lost.length})`,
      );
      assert.equal(outcomes.length, TOTAL);
      assert.ok(acknowledged.length >= SIGNAL_AFTER && acknowledged.length < TOTAL, `${acknowledged.length}`);
      assert.deepEqual(lost, []);
      assert.deepEqual(new Set(stored.values()), new Set([1]), 'no delivery is stored twice');
      await processed(setup, acknowledged);

      await resendUnacknowledged(setup, second.url, outcomes, stored);
    });

    it('answers every request it received when SIGTERMed, exits 0, and processes them after a restart', async (t) => {
      const setup = await setUp(t);
      const first = await startServeGroup(t, setup.env, workers);
      // To the whole group, as systemd stops a service: workers hear it twice, from it and from their primary.
      const outcomes = await stream(first.url, setup.secret, deliveryIds(TOTAL), () =>
        killGroup(first.server, 'SIGTERM'),
      );
      assert.equal(await first.server.exited, 0, `serve's last lines:\n${first.server.output.slice(-40).join('\n')}`);

      const second = await startServeGroup(t, setup.env, workers);
      const acknowledged = outcomes.filter(ok).map((outcome) => outcome.id);
      const stored = await storedCounts(setup);
      const finishedAfterSignal = outcomes.filter((outcome) => ok(outcome) && outcome.answeredAfterSignal).length;
      const refusedBeforeSignal = outcomes.filter((outcome) => outcome.sentBeforeSignal && !ok(outcome)).length;
      t.diagnostic(
        `sent ${outcomes.length}, acknowledged ${acknowledged.length}, stored ${stored.size}, ` +
          `lost ${acknowledged.filter((id) => !stored.has(id)).length}; answered after the signal ${finishedAfterSignal}, ` +
          `sent before it and unanswered ${refusedBeforeSignal}`,
      );
      assert.ok(acknowledged.length >= SIGNAL_AFTER && acknowledged.length < TOTAL, `${acknowledged.length}`);
      const answered = outcomes.filter((outcome) => outcome.status !== undefined);
      assert.deepEqual(
        answered.filter((outcome) => !ok(outcome)),
        [],
        'a request is answered 2xx or its connection is refused; never a 503 or a 500',
      );
      // Nothing stored went unanswered: no request was cut off once the server had read it.
      assert.deepEqual([...stored.keys()].sort(), [...acknowledged].sort());
      assert.ok(finishedAfterSignal > 0, 'requests in flight at the signal were answered');
      assert.equal(
        refusedBeforeSignal,
        0,
        `every request sent before the signal was answered: ${JSON.stringify(outcomes.filter((outcome) => outcome.sentBeforeSignal && !ok(outcome)))}`,
      );
      await processed(setup, acknowledged);

      await resendUnacknowledged(setup, second.url, outcomes, stored);
    });
  });
}
