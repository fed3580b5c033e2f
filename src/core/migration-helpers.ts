import type { CreateTableBuilder, Kysely } from 'kysely';
import { isPostgres } from './db.ts';

/** Adds an auto-incrementing integer primary key `id` in each dialect's own way. */
export function addIdColumn<T extends string>(
  db: Kysely<any>,
  table: CreateTableBuilder<T, never>,
): CreateTableBuilder<T, 'id'> {
  return isPostgres(db)
    ? table.addColumn('id', 'integer', (col) => col.primaryKey().generatedByDefaultAsIdentity())
    : table.addColumn('id', 'integer', (col) => col.primaryKey().autoIncrement());
}

/** Timestamp columns: timestamptz on PostgreSQL, ISO-8601 text on SQLite (see core/db.ts). */
export function timestampType(db: Kysely<any>): 'timestamptz' | 'text' {
  return isPostgres(db) ? 'timestamptz' : 'text';
}

/** Raw byte columns: bytea on PostgreSQL, blob on SQLite; both read back as a Buffer. */
export function binaryType(db: Kysely<any>): 'bytea' | 'blob' {
  return isPostgres(db) ? 'bytea' : 'blob';
}
