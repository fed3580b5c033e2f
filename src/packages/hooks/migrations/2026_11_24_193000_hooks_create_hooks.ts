import { type Kysely, sql } from 'kysely';
import { addIdColumn, binaryType, timestampType } from '../../../core/migration-helpers.ts';

export async function up(db: Kysely<any>): Promise<void> {
  const timestamp = timestampType(db);
  await addIdColumn(db, db.schema.createTable('hooks'))
    .addColumn('name', 'varchar(100)', (col) => col.notNull().unique())
    .addColumn('handler', 'varchar(100)', (col) => col.notNull())
    .addColumn('verify_mode', 'varchar(16)', (col) => col.notNull())
    // A JSON array of sealed secrets, newest first: during a rotation old and new both verify.
    .addColumn('secrets', 'text', (col) => col.notNull())
    .addColumn('legacy_path', 'varchar(200)', (col) => col.unique())
    .addColumn('created_at', timestamp, (col) => col.notNull())
    .execute();

  await addIdColumn(db, db.schema.createTable('hook_deliveries'))
    .addColumn('hook_id', 'integer', (col) => col.notNull().references('hooks.id').onDelete('cascade'))
    .addColumn('external_id', 'varchar(255)', (col) => col.notNull())
    .addColumn('status', 'varchar(16)', (col) => col.notNull())
    .addColumn('attempts', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('next_attempt_at', timestamp, (col) => col.notNull())
    .addColumn('received_at', timestamp, (col) => col.notNull())
    .addColumn('processed_at', timestamp)
    .addColumn('content_type', 'text', (col) => col.notNull())
    .addColumn('headers', 'text', (col) => col.notNull())
    .addColumn('body', binaryType(db), (col) => col.notNull())
    .addColumn('sender_ip', 'varchar(45)', (col) => col.notNull())
    .addColumn('last_error', 'text')
    // The sender's id is accepted once per hook: a redelivery, even one arriving at the same
    // moment as the first, finds this constraint and stores nothing.
    .addUniqueConstraint('hook_deliveries_hook_id_external_id_key', ['hook_id', 'external_id'])
    .addCheckConstraint('hook_deliveries_status_check', sql`status in ('pending', 'processing', 'done', 'failed')`)
    .execute();
  // What the worker asks: which deliveries are due.
  await db.schema
    .createIndex('hook_deliveries_status_next_attempt_at_idx')
    .on('hook_deliveries')
    .columns(['status', 'next_attempt_at'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('hook_deliveries').execute();
  await db.schema.dropTable('hooks').execute();
}
