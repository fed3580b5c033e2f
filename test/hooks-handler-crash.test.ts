import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Webhook } from 'standardwebhooks';
import { HOLDING, holdPackage } from './fixtures/hold-package.ts';
import { assertMigrated, createDb, migrateToLatest, packages } from './helpers/built.ts';
import { createTestDatabase } from './helpers/database.ts';
import { createEffects, effects } from './helpers/handler-effects.ts';
import { postHook } from './helpers/hooks.ts';
import { freePort, killGroup, pollUntil, spawnNode } from './helpers/process.ts';
import { TEST_SECRET_KEY } from './helpers/server.ts';
import { servicesOver } from './helpers/services.ts';
import { OPERATOR } from './helpers/users.ts';

// A hook handler's writes commit with its delivery's move to done, against the compiled server: a
// process killed while its handler is inside the transaction leaves none of that run's writes, and
// the run after the restart leaves exactly one row.

const FIXTURE = fileURLToPath(new URL('./fixtures/handler-server.ts', import.meta.url));

/** The fixture server (the build plus the `hold` package) on a free port, in a process group of its own. */
async function startFixture(t: TestContext, env: Record<string, string>) {
  const port = await freePort();
  const server = spawnNode(['--import', 'tsx', FIXTURE], { env: { ...env, PORT: String(port) }, detached: true });
  t.after(() => killGroup(server, 'SIGKILL'));
  await server.waitFor(/^listening$/);
  return { server, url: `http://127.0.0.1:${port}` };
}

describe('a hook handler killed mid-run', () => {
  it('leaves no write from the killed run, and exactly one row once the delivery is done', async (t) => {
    const database = await createTestDatabase();
    t.after(() => database.drop());
    const db = createDb(database.url);
    t.after(() => db.destroy());
    assertMigrated(await migrateToLatest(db, packages));
    await createEffects(db);
    const { hooks } = servicesOver(db, { extra: [holdPackage] });
    const { generatedSecret } = await hooks.createHook(OPERATOR, {
      name: 'hold',
      handler: 'hold.write',
      verify: 'standard',
    });
    const env = {
      ENDPOINT_DATABASE_URL: database.url,
      ENDPOINT_SECRET_KEY: TEST_SECRET_KEY,
      ENDPOINT_HOOK_LEASE: '1s',
      ENDPOINT_HOOK_POLL_INTERVAL: '1s',
    };

    const first = await startFixture(t, env);
    const sentAt = new Date();
    const response = await postHook(first.url, '/hooks/hold', '{}', {
      'content-type': 'application/json',
      'webhook-id': 'msg_hold',
      'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
      'webhook-signature': new Webhook(generatedSecret ?? '').sign('msg_hold', sentAt, '{}'),
    });
    assert.equal(response.status, 202);
    const [, held] = HOLDING.exec(await first.server.waitFor(HOLDING)) ?? [];
    const id = Number(held);
    killGroup(first.server, 'SIGKILL');
    await first.server.exited;
    assert.deepEqual(await effects(db, id), [], "the killed run's row went with its transaction");

    // The restart takes the delivery over once its lease lapses; this run, the second, finishes.
    await startFixture(t, env);
    await pollUntil('the delivery to be done', 30_000, async () => {
      const row = await db
        .selectFrom('hook_deliveries')
        .select('status')
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      return row.status === 'done';
    });
    assert.deepEqual(await effects(db, id), [{ attempt: 2 }], 'exactly one row, from the run that finished');
    const attempts = await db
      .selectFrom('hook_attempts')
      .select(['attempt', 'outcome'])
      .where('delivery_id', '=', id)
      .execute();
    assert.deepEqual(attempts, [{ attempt: 2, outcome: 'ok' }]);
  });
});
