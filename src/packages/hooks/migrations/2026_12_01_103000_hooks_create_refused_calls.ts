import type { Kysely } from 'kysely';
import { addIdColumn, binaryType, timestampType } from '../../../core/migration-helpers.ts';

export async function up(db: Kysely<any>): Promise<void> {
  const timestamp = timestampType(db);
  // Calls a hook refused, for whoever asks why a sender's calls fail; never the body beyond a
  // short preview, and trimmed per hook and by age (refused-calls.ts) so forged calls cannot fill the disk.
  await addIdColumn(db, db.schema.createTable('hook_refused_calls'))
    .addColumn('hook_id', 'integer', (col) => col.notNull().references('hooks.id').onDelete('cascade'))
    .addColumn('received_at', timestamp, (col) => col.notNull())
    .addColumn('reason', 'varchar(32)', (col) => col.notNull())
    .addColumn('sender_ip', 'varchar(45)', (col) => col.notNull())
    .addColumn('headers', 'text', (col) => col.notNull())
    .addColumn('body_preview', binaryType(db), (col) => col.notNull())
    .addColumn('body_size', 'integer', (col) => col.notNull())
    .execute();
  // A hook's calls newest first, and the trim that keeps its newest; then the age prune.
  await db.schema
    .createIndex('hook_refused_calls_hook_id_id_idx')
    .on('hook_refused_calls')
    .columns(['hook_id', 'id'])
    .execute();
  await db.schema
    .createIndex('hook_refused_calls_received_at_idx')
    .on('hook_refused_calls')
    .column('received_at')
    .execute();
  // The deliveries lists filter by hook, status and time, newest first, paged by (received_at, id).
  await db.schema
    .createIndex('hook_deliveries_hook_id_received_at_idx')
    .on('hook_deliveries')
    .columns(['hook_id', 'received_at', 'id'])
    .execute();
  await db.schema
    .createIndex('hook_deliveries_status_received_at_idx')
    .on('hook_deliveries')
    .columns(['status', 'received_at', 'id'])
    .execute();
  await db.schema
    .createIndex('hook_deliveries_received_at_idx')
    .on('hook_deliveries')
    .columns(['received_at', 'id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('hook_deliveries_received_at_idx').execute();
  await db.schema.dropIndex('hook_deliveries_status_received_at_idx').execute();
  await db.schema.dropIndex('hook_deliveries_hook_id_received_at_idx').execute();
  await db.schema.dropTable('hook_refused_calls').execute();
}
