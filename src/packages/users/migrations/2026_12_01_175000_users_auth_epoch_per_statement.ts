import { type Kysely, sql } from 'kysely';
import { isPostgres } from '../../../core/db.ts';

// PostgreSQL: every trigger moving the auth epoch (this package's and the tokens package's) runs
// once a statement instead of once a row; see core/epoch-triggers.ts for why. SQLite has row
// triggers only, and updates the epoch row in place.
export async function up(db: Kysely<any>): Promise<void> {
  await recreateEach(db, 'ROW', 'STATEMENT');
}

export async function down(db: Kysely<any>): Promise<void> {
  await recreateEach(db, 'STATEMENT', 'ROW');
}

async function recreateEach(db: Kysely<any>, from: string, to: string): Promise<void> {
  if (!isPostgres(db)) return;
  const { rows } = await sql<{ name: string; table: string; definition: string }>`
    select tgname as name, tgrelid::regclass::text as table, pg_get_triggerdef(oid) as definition
    from pg_trigger where tgfoid = 'auth_epoch_bump'::regproc`.execute(db);
  for (const { name, table, definition } of rows) {
    if (!definition.includes(`FOR EACH ${from}`)) continue;
    await sql`drop trigger ${sql.id(name)} on ${sql.raw(table)}`.execute(db);
    await sql.raw(definition.replace(`FOR EACH ${from}`, `FOR EACH ${to}`)).execute(db);
  }
}
