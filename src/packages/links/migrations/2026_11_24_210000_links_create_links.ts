import type { Kysely } from 'kysely';
import { addIdColumn, timestampType } from '../../../core/migration-helpers.ts';

export async function up(db: Kysely<any>): Promise<void> {
  const timestamp = timestampType(db);
  await addIdColumn(db, db.schema.createTable('links'))
    // The archive outlives its transport: pruning the inbox or removing the hook keeps the links.
    .addColumn('delivery_id', 'integer', (col) => col.references('hook_deliveries.id').onDelete('set null'))
    .addColumn('url', 'text', (col) => col.notNull())
    .addColumn('sender', 'varchar(64)', (col) => col.notNull())
    .addColumn('received_at', timestamp, (col) => col.notNull())
    .addColumn('created_at', timestamp, (col) => col.notNull())
    // A delivery handled twice (a retry, a replay) archives each of its links once.
    .addUniqueConstraint('links_delivery_id_url_key', ['delivery_id', 'url'])
    .execute();
  // What the page asks: messages newest first, each message's links in the order written.
  await db.schema.createIndex('links_received_at_id_idx').on('links').columns(['received_at desc', 'id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('links').execute();
}
