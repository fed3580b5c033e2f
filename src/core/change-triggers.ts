import { type Kysely, sql } from 'kysely';
import { isPostgres } from './db.ts';

/**
 * A trigger that runs `body` after a change to `table`, in the change's transaction. `event`:
 * `insert`, `delete`, or `update of a, b`. `body` is SQL statements, `;`-separated; given as a
 * function it is handed SQL for how many rows the change touched (insert and delete only).
 */
export interface ChangeTrigger {
  name: string;
  table: string;
  event: string;
  body: string | ((rows: string) => string);
}

// SQLite runs triggers for each row only, so its body sees one row at a time. PostgreSQL runs
// this one once a statement, over a transition table of the rows it touched: a row trigger
// updating one counter row, run for each of a million rows inserted at once, takes minutes there
// (each update walks the versions the transaction's earlier updates left). A statement-level
// trigger also fires for an UPDATE that matched nothing: it moves an epoch that needn't move, which
// costs the caches one refill.
function postgresOn({ table, event }: ChangeTrigger): string {
  const changed = event === 'insert' ? 'new' : event === 'delete' ? 'old' : undefined;
  const transition = changed ? ` referencing ${changed} table as changed` : '';
  return `after ${event} on ${table}${transition} for each statement`;
}

function bodyOf({ body }: ChangeTrigger, rows: string): string {
  return typeof body === 'string' ? body : body(rows);
}

/** Creates the trigger: on PostgreSQL with a function of the same name holding the body. */
export async function createChangeTrigger(db: Kysely<any>, trigger: ChangeTrigger): Promise<void> {
  const name = sql.raw(trigger.name);
  if (isPostgres(db)) {
    await sql`create function ${name}() returns trigger language plpgsql as $$
      begin ${sql.raw(bodyOf(trigger, '(select count(*) from changed)'))}; return null; end $$`.execute(db);
    await sql`create trigger ${name} ${sql.raw(postgresOn(trigger))} execute function ${name}()`.execute(db);
  } else {
    const on = sql.raw(`after ${trigger.event} on ${trigger.table} for each row`);
    await sql`create trigger ${name} ${on} begin ${sql.raw(bodyOf(trigger, '1'))}; end`.execute(db);
  }
}

export async function dropChangeTrigger(db: Kysely<any>, { name, table }: ChangeTrigger): Promise<void> {
  if (isPostgres(db)) {
    await sql`drop trigger ${sql.raw(name)} on ${sql.raw(table)}`.execute(db);
    await sql`drop function ${sql.raw(name)}()`.execute(db);
  } else {
    await sql`drop trigger ${sql.raw(name)}`.execute(db);
  }
}
