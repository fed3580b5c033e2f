import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { assertMigrated, createDb, migrateToLatest, packages } from './helpers/built.ts';
import { createTestDatabase } from './helpers/database.ts';
import { servicesOver } from './helpers/services.ts';
import { OPERATOR } from './helpers/users.ts';

const MINUTE = 60_000;

/** A session service over a fresh database with a clock the test moves by hand. */
async function setUp(t: TestContext) {
  const database = await createTestDatabase();
  const db = createDb(database.url);
  t.after(async () => {
    await db.destroy();
    await database.drop();
  });
  assertMigrated(await migrateToLatest(db, packages));
  const clock = { now: new Date('2026-01-01T09:00:00.000Z') };
  const advance = (ms: number) => {
    clock.now = new Date(clock.now.getTime() + ms);
  };
  // The default timeouts: 30 minutes idle, 8 hours in all.
  const { sessions, users } = servicesOver(db, { now: () => clock.now });
  const user = await users.createUser(OPERATOR, {
    username: 'joe',
    password: 'correct horse battery staple',
  });
  const start = () => sessions.start(user.id, { ip: '127.0.0.1', userAgent: 'test' });
  const rows = () => db.selectFrom('sessions').selectAll().execute();
  return { sessions, advance, start, rows, user };
}

describe('server-side sessions', () => {
  it('stores only the SHA-256 of a 256-bit id', async (t) => {
    const { start, rows } = await setUp(t);
    const id = await start();
    assert.equal(Buffer.from(id, 'base64url').length, 32);
    const [row] = await rows();
    assert.match(row.id_hash, /^[0-9a-f]{64}$/);
    assert.notEqual(row.id_hash, id);
    assert.equal(JSON.stringify(await rows()).includes(id), false);
  });

  it('ends a session idle past the timeout, and deletes it', async (t) => {
    const { sessions, advance, start, rows } = await setUp(t);
    const id = await start();
    advance(29 * MINUTE);
    assert.ok(await sessions.resolve(id), 'still alive within the idle timeout');
    advance(29 * MINUTE);
    assert.ok(await sessions.resolve(id), 'use moved the idle window on');
    advance(31 * MINUTE);
    assert.equal(await sessions.resolve(id), undefined);
    assert.equal((await rows()).length, 0);
  });

  it('ends a session at its absolute age however busy it is', async (t) => {
    const { sessions, advance, start } = await setUp(t);
    const id = await start();
    for (let step = 0; step < 23; step++) {
      advance(20 * MINUTE);
      assert.ok(await sessions.resolve(id), `alive after ${(step + 1) * 20} minutes of use`);
    }
    advance(25 * MINUTE);
    assert.equal(await sessions.resolve(id), undefined, 'past 8 hours');
  });

  it('writes last_seen_at at most once a minute, not on every request', async (t) => {
    const { sessions, advance, start, rows } = await setUp(t);
    const id = await start();
    const first = (await rows())[0].last_seen_at;
    advance(30_000);
    await sessions.resolve(id);
    assert.equal((await rows())[0].last_seen_at, first);
    advance(31_000);
    await sessions.resolve(id);
    assert.notEqual((await rows())[0].last_seen_at, first);
  });

  it('returns nothing for malformed or unknown ids without throwing', async (t) => {
    const { sessions } = await setUp(t);
    for (const id of ['', 'x', 'a'.repeat(43), '💥'.repeat(30), "'; drop table sessions; --"]) {
      assert.equal(await sessions.resolve(id), undefined);
    }
  });

  it('ends every session of a user but the one kept', async (t) => {
    const { sessions, start, user } = await setUp(t);
    const [kept, other] = [await start(), await start()];
    const keptHash = (await sessions.resolve(kept))?.idHash;
    await sessions.endAllFor(user.id, keptHash);
    assert.ok(await sessions.resolve(kept));
    assert.equal(await sessions.resolve(other), undefined);
  });
});
