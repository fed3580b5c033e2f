import type { Kysely } from 'kysely';
import { addIdColumn, timestampType } from '../../../core/migration-helpers.ts';

export async function up(db: Kysely<any>): Promise<void> {
  await addIdColumn(db, db.schema.createTable('audit_entries'))
    .addColumn('at', timestampType(db), (col) => col.notNull())
    .addColumn('actor_user_id', 'integer')
    .addColumn('actor_username', 'varchar(150)', (col) => col.notNull())
    .addColumn('actor_token_id', 'integer')
    .addColumn('actor_kind', 'varchar(10)', (col) => col.notNull())
    .addColumn('address', 'varchar(45)')
    .addColumn('action', 'varchar(100)', (col) => col.notNull())
    .addColumn('target', 'varchar(200)', (col) => col.notNull())
    .addColumn('summary', 'text', (col) => col.notNull())
    .execute();
  // Lists go newest first by id; each filter has an index that ends in id, so a filtered page
  // walks its index in order and stops, and `before` (keyset) seeks straight to its place.
  // `at` alone serves since/until and prune.
  const indexes: [string, string[]][] = [
    ['audit_entries_at_idx', ['at']],
    ['audit_entries_action_idx', ['action', 'id']],
    ['audit_entries_actor_idx', ['actor_username', 'id']],
    ['audit_entries_target_idx', ['target', 'id']],
  ];
  for (const [name, columns] of indexes) {
    await db.schema.createIndex(name).on('audit_entries').columns(columns).execute();
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('audit_entries').execute();
}
