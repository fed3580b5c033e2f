import type { Kysely } from 'kysely';
import { addIdColumn, timestampType } from '../../../core/migration-helpers.ts';

export async function up(db: Kysely<any>): Promise<void> {
  const timestamp = timestampType(db);
  await addIdColumn(db, db.schema.createTable('api_tokens'))
    .addColumn('user_id', 'integer', (col) => col.notNull().references('users.id').onDelete('cascade'))
    .addColumn('name', 'varchar(100)', (col) => col.notNull())
    .addColumn('token_hash', 'char(64)', (col) => col.notNull().unique())
    .addColumn('prefix', 'varchar(16)', (col) => col.notNull())
    // JSON text rather than an array type, so both databases store it the same way.
    .addColumn('scopes', 'text', (col) => col.notNull())
    .addColumn('created_at', timestamp, (col) => col.notNull())
    .addColumn('expires_at', timestamp)
    .addColumn('last_used_at', timestamp)
    .addColumn('revoked_at', timestamp)
    .execute();
  await db.schema.createIndex('api_tokens_user_id_idx').on('api_tokens').column('user_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('api_tokens').execute();
}
