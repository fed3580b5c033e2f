import { type Kysely, type RawBuilder, sql } from 'kysely';
import { isPostgres } from './db.ts';

/** A table and the change on it that moves the auth epoch: `delete`, `insert`, `update of a, b`. */
export interface EpochTrigger {
  table: string;
  event: string;
}

const BUMP = 'update auth_epoch set value = value + 1 where id = 1';

/** PostgreSQL runs trigger bodies as functions; SQLite needs none. */
export async function createEpochBump(db: Kysely<any>): Promise<void> {
  if (!isPostgres(db)) return;
  await sql`create function auth_epoch_bump() returns trigger language plpgsql as $$
    begin ${sql.raw(BUMP)}; return null; end $$`.execute(db);
}

export async function dropEpochBump(db: Kysely<any>): Promise<void> {
  if (isPostgres(db)) await sql`drop function auth_epoch_bump()`.execute(db);
}

/**
 * The SQL creating and dropping each trigger, in the database's own dialect. SQLite runs them for
 * each row. PostgreSQL runs them once a statement (`each: 'row'` is how the first migrations made
 * them): a row trigger updating the one epoch row, run for each of many rows one statement touches
 * (the session purge, a group deleted with its members), walks the versions the transaction's
 * earlier updates left, so its cost grows with the square of the rows: 10,000 0.6 s, 20,000 2.2 s.
 */
export function epochTriggers(
  db: Kysely<any>,
  triggers: EpochTrigger[],
  { each = 'statement' }: { each?: 'row' | 'statement' } = {},
): { create: RawBuilder<unknown>; drop: RawBuilder<unknown> }[] {
  const postgres = isPostgres(db);
  return triggers.map(({ table, event }) => {
    const name = sql.raw(`${table}_${event.split(' ')[0]}_auth_epoch`);
    const on = sql.raw(`after ${event} on ${table} for each ${postgres ? each : 'row'}`);
    return {
      create: postgres
        ? sql`create trigger ${name} ${on} execute function auth_epoch_bump()`
        : sql`create trigger ${name} ${on} begin ${sql.raw(BUMP)}; end`,
      drop: postgres ? sql`drop trigger ${name} on ${sql.raw(table)}` : sql`drop trigger ${name}`,
    };
  });
}
