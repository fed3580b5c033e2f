import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { Webhook } from 'standardwebhooks';
import type { Db } from '../src/core/db.ts';
import type { HandledDelivery, HookHandler } from '../src/core/hook-handlers.ts';
import {
  assertMigrated,
  claimDue,
  createDb,
  definePackage,
  finishAttempt,
  migrateToLatest,
  packages,
} from './helpers/built.ts';
import { createTestDatabase, DATABASE_KIND } from './helpers/database.ts';
import { createEffects, effects, writeEffect } from './helpers/handler-effects.ts';
import { addHook, postHook, storedDeliveries } from './helpers/hooks.ts';
import { startTestServer } from './helpers/server.ts';
import { servicesOver } from './helpers/services.ts';
import { OPERATOR } from './helpers/users.ts';

const BASE_MS = 10_000;
const LEASE_MS = 60_000;
const START = new Date('2026-11-24T12:00:00.000Z');

/** A clock the test moves by hand. */
function testClock() {
  let at = START.getTime();
  return { now: () => new Date(at), advance: (ms: number) => (at += ms) };
}

async function migratedDatabase(t: TestContext): Promise<{ url: string; db: Db }> {
  const database = await createTestDatabase();
  const db = createDb(database.url);
  assertMigrated(await migrateToLatest(db, packages));
  t.after(async () => {
    await db.destroy();
    await database.drop();
  });
  return { url: database.url, db };
}

/** The hooks service and its worker over `db`, with `handler` installed as `test`, on `now`. */
function hooksOver(db: Db, handler: HookHandler, now: () => Date, maxAttempts = 10) {
  const { hooks, deliveryWorker } = servicesOver(db, {
    now,
    env: {
      ENDPOINT_HOOK_MAX_ATTEMPTS: String(maxAttempts),
      ENDPOINT_HOOK_RETRY_BASE: `${BASE_MS / 1000}s`,
      ENDPOINT_HOOK_LEASE: `${LEASE_MS / 1000}s`,
      ENDPOINT_HOOK_POLL_INTERVAL: '1s',
    },
    extra: [definePackage({ name: 'test', hooks: { test: handler } })],
  });
  return { hooks, worker: deliveryWorker };
}

/**
 * A hooks service and a worker over a real database with the given handler, on a hand-moved
 * clock, storing Standard Webhooks deliveries to the hook `h` (handler `test`).
 */
async function setUp(
  t: TestContext,
  handler: HookHandler,
  options: { maxAttempts?: number; db?: Db; clock?: ReturnType<typeof testClock> } = {},
) {
  const db = options.db ?? (await migratedDatabase(t)).db;
  const clock = options.clock ?? testClock();
  const { hooks, worker } = hooksOver(db, handler, clock.now, options.maxAttempts);
  const { generatedSecret } = await hooks.createHook(OPERATOR, { name: 'h', handler: 'test', verify: 'standard' });
  const signer = new Webhook(generatedSecret ?? '');
  async function deliver(id: string, payload = '{}'): Promise<number> {
    const headers = {
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(clock.now().getTime() / 1000)),
      'webhook-signature': signer.sign(id, clock.now(), payload),
    };
    const body = Buffer.from(payload);
    const received = await hooks.receive('h', {
      body,
      headers,
      contentType: 'application/json',
      url: 'http://localhost/hooks/h',
      senderIp: '127.0.0.1',
    });
    return received.id;
  }
  const delivery = (id: number) =>
    db.selectFrom('hook_deliveries').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const attempts = (id: number) =>
    db.selectFrom('hook_attempts').selectAll().where('delivery_id', '=', id).orderBy('attempt').execute();
  return { db, clock, hooks, worker, deliver, delivery, attempts };
}

describe('the delivery worker', () => {
  it('runs the handler once a delivery is stored and records the attempt', async (t) => {
    const seen: HandledDelivery[] = [];
    const { worker, deliver, delivery, attempts } = await setUp(t, {
      description: 'records',
      handle: async (handled) => {
        seen.push(handled);
        return undefined;
      },
    });
    const id = await deliver('msg_1', '{"a":1}');
    assert.equal(await worker.runDue(), 1);
    assert.equal(seen.length, 1);
    assert.equal(seen[0].externalId, 'msg_1');
    assert.equal(seen[0].hook, 'h');
    assert.equal(seen[0].attempt, 1);
    assert.equal(seen[0].body.toString(), '{"a":1}');
    assert.equal(seen[0].headers['webhook-id'], 'msg_1');
    const row = await delivery(id);
    assert.equal(row.status, 'done');
    assert.equal(row.attempts, 1);
    assert.equal(row.processed_at, START.toISOString());
    assert.deepEqual(
      (await attempts(id)).map((a) => [a.attempt, a.outcome, a.error]),
      [[1, 'ok', null]],
    );
    assert.equal(await worker.runDue(), 0, 'a done delivery is not run again');
  });

  it('retries a failing handler with exponential backoff, keeping every error', async (t) => {
    let calls = 0;
    const { worker, clock, deliver, delivery, attempts } = await setUp(t, {
      description: 'fails twice',
      handle: async () => {
        calls += 1;
        if (calls <= 2) throw new Error(`boom ${calls}`);
        return undefined;
      },
    });
    const id = await deliver('msg_r');
    assert.equal(await worker.runDue(), 1);
    let row = await delivery(id);
    assert.equal(row.status, 'pending');
    assert.equal(row.last_error, 'boom 1');
    assert.equal(row.next_attempt_at, new Date(START.getTime() + BASE_MS).toISOString());

    clock.advance(BASE_MS - 1);
    assert.equal(await worker.runDue(), 0, 'not before its time');
    clock.advance(1);
    assert.equal(await worker.runDue(), 1);
    row = await delivery(id);
    assert.equal(row.last_error, 'boom 2');
    assert.equal(row.next_attempt_at, new Date(clock.now().getTime() + 2 * BASE_MS).toISOString(), 'twice as long');

    clock.advance(2 * BASE_MS);
    assert.equal(await worker.runDue(), 1);
    row = await delivery(id);
    assert.equal(row.status, 'done');
    assert.equal(row.last_error, null);
    assert.deepEqual(
      (await attempts(id)).map((a) => [a.attempt, a.outcome, a.error]),
      [
        [1, 'error', 'boom 1'],
        [2, 'error', 'boom 2'],
        [3, 'ok', null],
      ],
    );
  });

  it('marks a delivery failed after the maximum attempts and leaves it be', async (t) => {
    const { worker, clock, deliver, delivery, attempts } = await setUp(
      t,
      {
        description: 'always fails',
        handle: async () => {
          throw new Error('no way');
        },
      },
      { maxAttempts: 3 },
    );
    const id = await deliver('msg_f');
    for (let attempt = 1; attempt <= 3; attempt++) {
      assert.equal(await worker.runDue(), 1, `attempt ${attempt}`);
      clock.advance(3_600_000);
    }
    const row = await delivery(id);
    assert.equal(row.status, 'failed');
    assert.equal(row.attempts, 3);
    assert.equal(row.last_error, 'no way');
    assert.equal((await attempts(id)).length, 3);
    clock.advance(86_400_000);
    assert.equal(await worker.runDue(), 0);
  });

  it("takes over a crashed worker's claim once its lease lapses, and ignores the stale finish", async (t) => {
    const { db, worker, clock, deliver, delivery, attempts } = await setUp(t, {
      description: 'ok',
      handle: async () => undefined,
    });
    const id = await deliver('msg_l');
    // A worker that claims and then dies without a word.
    const now = clock.now();
    const [claimed] = await claimDue(db, now.toISOString(), new Date(now.getTime() + LEASE_MS).toISOString(), 1);
    assert.equal(claimed.id, id);
    clock.advance(LEASE_MS - 1);
    assert.equal(await worker.runDue(), 0, 'still claimed');
    clock.advance(1);
    assert.equal(await worker.runDue(), 1);
    assert.equal((await delivery(id)).status, 'done');
    assert.equal((await delivery(id)).attempts, 2);
    // The first worker comes back from the dead with its result: it changes nothing.
    const stale = await finishAttempt(db, {
      deliveryId: id,
      attempt: 1,
      startedAt: now.toISOString(),
      finishedAt: clock.now().toISOString(),
      outcome: 'error',
      error: 'late',
      status: 'pending',
      retryAt: clock.now().toISOString(),
    });
    assert.equal(stale, false);
    assert.equal((await delivery(id)).status, 'done');
    assert.deepEqual(
      (await attempts(id)).map((a) => a.attempt),
      [2],
    );
  });

  it('records an unknown handler as a failed attempt rather than stopping', async (t) => {
    const { db, worker, deliver, delivery } = await setUp(t, { description: 'ok', handle: async () => undefined });
    const id = await deliver('msg_u');
    await db.updateTable('hooks').set({ handler: 'gone' }).execute();
    assert.equal(await worker.runDue(), 1);
    assert.match((await delivery(id)).last_error ?? '', /no handler named "gone"/);
  });

  it('shares the work between two workers on one database without running a delivery twice', async (t) => {
    const { url, db } = await migratedDatabase(t);
    const running = new Set<number>();
    const runs = new Map<number, number>();
    let overlaps = 0;
    const handler: HookHandler = {
      description: 'counts',
      handle: async (handled) => {
        if (running.has(handled.id)) overlaps += 1;
        running.add(handled.id);
        // Yield so the other worker gets its turn while this delivery is held.
        await new Promise((resolve) => setImmediate(resolve));
        runs.set(handled.id, (runs.get(handled.id) ?? 0) + 1);
        running.delete(handled.id);
        return undefined;
      },
    };
    const first = await setUp(t, handler, { db });
    // On SQLite the second worker shares the process's one connection, as two workers in one
    // process would: a second connection here would wait synchronously (better-sqlite3) for the
    // write lock the first holds through its handlers, stalling the thread both run on. Workers
    // in separate processes on one SQLite file are what test/hooks-crash.test.ts runs.
    const otherDb = DATABASE_KIND === 'postgres' ? createDb(url) : db;
    if (otherDb !== db) t.after(() => otherDb.destroy());
    const second = hooksOver(otherDb, handler, first.clock.now).worker;
    const ids: number[] = [];
    for (let n = 0; n < 60; n++) ids.push(await first.deliver(`msg_${n}`));
    const drain = async (worker: { runDue(): Promise<number> }) => {
      let total = 0;
      for (let ran = await worker.runDue(); ran > 0; ran = await worker.runDue()) total += ran;
      return total;
    };
    const [a, b] = await Promise.all([drain(first.worker), drain(second)]);
    assert.equal(a + b, 60, 'between them they ran each delivery');
    assert.equal(overlaps, 0);
    assert.deepEqual(
      ids.map((id) => runs.get(id)),
      ids.map(() => 1),
    );
    const statuses = await db.selectFrom('hook_deliveries').select('status').distinct().execute();
    assert.deepEqual(statuses, [{ status: 'done' }]);
  });
});

describe("a handler's transaction", () => {
  it('leaves no row from a run that wrote one and then threw, and retries the delivery', async (t) => {
    const { db } = await migratedDatabase(t);
    await createEffects(db);
    const { worker, clock, deliver, delivery, attempts } = await setUp(
      t,
      {
        description: 'writes, then fails the first time',
        handle: async (handled, context) => {
          await writeEffect(context.db, handled);
          if (handled.attempt === 1) throw new Error('after the write');
          return undefined;
        },
      },
      { db },
    );
    const id = await deliver('msg_throw');
    assert.equal(await worker.runDue(), 1);
    assert.deepEqual(await effects(db, id), [], 'the failed run wrote nothing');
    const row = await delivery(id);
    assert.equal(row.status, 'pending');
    assert.equal(row.last_error, 'after the write');

    clock.advance(BASE_MS);
    assert.equal(await worker.runDue(), 1);
    assert.deepEqual(await effects(db, id), [{ attempt: 2 }], 'only the run that succeeded left its row');
    assert.equal((await delivery(id)).status, 'done');
    assert.deepEqual(
      (await attempts(id)).map((a) => [a.attempt, a.outcome]),
      [
        [1, 'error'],
        [2, 'ok'],
      ],
    );
  });

  it("rolls back what a failed run wrote through the services, and keeps the successful run's", async (t) => {
    const { worker, clock, deliver, db } = await setUp(t, {
      description: 'adds a user and a group, fails the first time',
      handle: async (handled, { services }) => {
        const suffix = String(handled.attempt);
        const user = await services.users.createUser(OPERATOR, {
          username: `user${suffix}`,
          password: 'a long passphrase',
        });
        // Opens a transaction of its own in the service: it joins the run's.
        await services.users.updateUser(OPERATOR, user.id, { first_name: 'Handled' });
        if (handled.attempt === 1) throw new Error('after the writes');
        return undefined;
      },
    });
    await deliver('msg_services');
    assert.equal(await worker.runDue(), 1);
    clock.advance(BASE_MS);
    assert.equal(await worker.runDue(), 1);
    const users = await db.selectFrom('users').select(['username', 'first_name']).execute();
    assert.deepEqual(users, [{ username: 'user2', first_name: 'Handled' }]);
  });

  // On SQLite a run's transaction takes the write lock at its BEGIN IMMEDIATE, so no other worker
  // can claim its delivery until it commits: a claim from a second connection in this process
  // would wait for that lock with the thread the run needs blocked. The fence is the same SQL on
  // both databases (queue.ts finishAttempt), tested here on PostgreSQL.
  const takeoverMidRun =
    DATABASE_KIND === 'postgres' ? {} : { skip: 'on SQLite a run holds the write lock: no claim lands mid-run' };

  it('leaves no row from a run whose claim was taken over before it finished', takeoverMidRun, async (t) => {
    const { url, db } = await migratedDatabase(t);
    await createEffects(db);
    // Another worker's connection: it takes the delivery over while the first run is under way.
    const otherDb = createDb(url);
    t.after(() => otherDb.destroy());
    const clock = testClock();
    const { worker, deliver, delivery, attempts } = await setUp(
      t,
      {
        description: 'outlives its lease the first time',
        handle: async (handled, context) => {
          if (handled.attempt === 1) {
            // The run outlives its lease and another worker claims the delivery. It claims before
            // this run writes: on SQLite a second writer would wait for this run's write lock.
            clock.advance(LEASE_MS);
            const at = clock.now();
            const leaseUntil = new Date(at.getTime() + LEASE_MS).toISOString();
            assert.equal((await claimDue(otherDb, at.toISOString(), leaseUntil, 1)).length, 1);
          }
          await writeEffect(context.db, handled);
          return undefined;
        },
      },
      { db, clock },
    );
    const id = await deliver('msg_fenced');
    assert.equal(await worker.runDue(), 1);
    assert.deepEqual(await effects(db, id), [], "the fenced run's write is gone with its finish");
    let row = await delivery(id);
    assert.equal(row.status, 'processing', "the other worker's claim stands");
    assert.equal(row.attempts, 2);
    assert.deepEqual(await attempts(id), []);

    // The other worker dies in turn; once its lease lapses this one runs the delivery for good.
    clock.advance(LEASE_MS);
    assert.equal(await worker.runDue(), 1);
    assert.deepEqual(await effects(db, id), [{ attempt: 3 }]);
    row = await delivery(id);
    assert.equal(row.status, 'done');
    assert.deepEqual(
      (await attempts(id)).map((a) => [a.attempt, a.outcome]),
      [[3, 'ok']],
    );
  });
});

/** Reads until the condition holds or 10 s pass, answering the last read: the worker runs in the background. */
async function until<T>(read: () => Promise<T>, holds: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 10_000;
  let value = await read();
  while (!holds(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    value = await read();
  }
  return value;
}

describe('the worker in a running server', () => {
  it('processes what the server stored without being asked, and what was stored while it was down', async (t) => {
    const down = await startTestServer(t, { env: { ENDPOINT_HOOK_WORKER: 'off' } });
    const hook = await addHook(down.app, 'billing', 'standard');
    const signer = new Webhook(hook.secret);
    const post = (url: string, id: string) => {
      const sentAt = new Date();
      return postHook(url, '/hooks/billing', '{}', {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
        'webhook-signature': signer.sign(id, sentAt, '{}'),
      });
    };
    assert.equal((await post(down.url, 'while_down')).status, 202);
    assert.equal((await storedDeliveries(down.db, hook.id))[0].status, 'pending');

    // A second server on the same database, this one with its worker: a restart.
    const up = await startTestServer(t, { env: { ENDPOINT_HOOK_POLL_INTERVAL: '1s' }, databaseUrl: down.databaseUrl });
    assert.equal((await post(up.url, 'while_up')).status, 202);
    const rows = await until(
      () => storedDeliveries(up.db, hook.id),
      (all) => all.every((row) => row.status === 'done'),
    );
    assert.deepEqual(
      rows.map((row) => [row.external_id, row.status, row.attempts]),
      [
        ['while_down', 'done', 1],
        ['while_up', 'done', 1],
      ],
    );
    // A replay (what the API and CLI call) runs the handler again: a second attempt in the log.
    const replayed = rows[0].id;
    await up.app.hooks.replayDelivery(OPERATOR, replayed);
    const log = await until(
      () => up.db.selectFrom('hook_attempts').selectAll().where('delivery_id', '=', replayed).execute(),
      (attempts) => attempts.length === 2,
    );
    assert.deepEqual(
      log.map((attempt) => [attempt.attempt, attempt.outcome]),
      [
        [1, 'ok'],
        [1, 'ok'],
      ],
    );
  });
});
