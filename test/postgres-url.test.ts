import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { createDb } from './helpers/built.ts';
import { createTestDatabase, DATABASE_KIND } from './helpers/database.ts';

describe('a PostgreSQL URL', { skip: DATABASE_KIND !== 'postgres' && 'PostgreSQL only' }, () => {
  it("keeps the URL's own options beside the synchronous commit the server needs", async (t) => {
    const database = await createTestDatabase();
    t.after(() => database.drop());
    const url = new URL(database.url);
    url.searchParams.set('options', '-c statement_timeout=4321');
    const db = createDb(url.toString());
    t.after(() => db.destroy());
    const setting = async (name: string) =>
      (await sql<{ value: string }>`select current_setting(${name}) as value`.execute(db)).rows[0].value;
    assert.equal(await setting('statement_timeout'), '4321ms');
    assert.equal(await setting('synchronous_commit'), 'on');
  });
});
