import { type Kysely, sql } from 'kysely';
import { isPostgres } from './db.ts';

/** A trigger run for each row a change touches: `event` as `insert`, `delete`, `update of a, b`. */
export interface RowTrigger {
  name: string;
  table: string;
  event: string;
  /** SQL statements, `;`-separated, run after the change in its transaction. */
  body: string;
}

/** Creates the trigger in the database's dialect: PostgreSQL runs the body as a function of the same name. */
export async function createRowTrigger(db: Kysely<any>, { name, table, event, body }: RowTrigger): Promise<void> {
  const on = sql.raw(`after ${event} on ${table} for each row`);
  const trigger = sql.raw(name);
  if (isPostgres(db)) {
    await sql`create function ${trigger}() returns trigger language plpgsql as $$
      begin ${sql.raw(body)}; return null; end $$`.execute(db);
    await sql`create trigger ${trigger} ${on} execute function ${trigger}()`.execute(db);
  } else {
    await sql`create trigger ${trigger} ${on} begin ${sql.raw(body)}; end`.execute(db);
  }
}

export async function dropRowTrigger(db: Kysely<any>, { name, table }: RowTrigger): Promise<void> {
  if (isPostgres(db)) {
    await sql`drop trigger ${sql.raw(name)} on ${sql.raw(table)}`.execute(db);
    await sql`drop function ${sql.raw(name)}()`.execute(db);
  } else {
    await sql`drop trigger ${sql.raw(name)}`.execute(db);
  }
}
