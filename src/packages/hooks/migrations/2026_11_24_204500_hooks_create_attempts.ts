import { type Kysely, sql } from 'kysely';
import { addIdColumn, timestampType } from '../../../core/migration-helpers.ts';

export async function up(db: Kysely<any>): Promise<void> {
  const timestamp = timestampType(db);
  // One row per run of a delivery's handler, kept after the delivery is done: the history a
  // sender's support question needs ("why did this take three tries?").
  await addIdColumn(db, db.schema.createTable('hook_attempts'))
    .addColumn('delivery_id', 'integer', (col) => col.notNull().references('hook_deliveries.id').onDelete('cascade'))
    .addColumn('attempt', 'integer', (col) => col.notNull())
    .addColumn('started_at', timestamp, (col) => col.notNull())
    .addColumn('finished_at', timestamp, (col) => col.notNull())
    .addColumn('outcome', 'varchar(16)', (col) => col.notNull())
    .addColumn('error', 'text')
    .addCheckConstraint('hook_attempts_outcome_check', sql`outcome in ('ok', 'error')`)
    .execute();
  await db.schema.createIndex('hook_attempts_delivery_id_idx').on('hook_attempts').column('delivery_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('hook_attempts').execute();
}
