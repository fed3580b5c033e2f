import type { Kysely } from 'kysely';
import { createEpochBump, dropEpochBump, epochTriggers } from '../../../core/epoch-triggers.ts';

// Every process caches resolved sessions and users' groups and permissions, and trusts its cache
// only while this counter is where it was: the triggers below move it, in the same transaction,
// on every change that could make a cached answer wrong, from whichever process or command makes
// it. The once-a-minute last_seen_at and last_login_at writes and new sessions leave it alone.
const TRIGGERS = [
  { table: 'users', event: 'update of username, first_name, last_name, active, password_hash' },
  { table: 'users', event: 'delete' },
  { table: 'groups', event: 'update of name' },
  { table: 'groups', event: 'delete' },
  { table: 'user_groups', event: 'insert' },
  { table: 'user_groups', event: 'update' },
  { table: 'user_groups', event: 'delete' },
  { table: 'group_permissions', event: 'insert' },
  { table: 'group_permissions', event: 'update' },
  { table: 'group_permissions', event: 'delete' },
  { table: 'sessions', event: 'update of user_id, created_at' },
  { table: 'sessions', event: 'delete' },
];

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('auth_epoch')
    .addColumn('id', 'integer', (col) => col.primaryKey())
    .addColumn('value', 'bigint', (col) => col.notNull())
    .execute();
  await db.insertInto('auth_epoch').values({ id: 1, value: 0 }).execute();
  await createEpochBump(db);
  for (const trigger of epochTriggers(db, TRIGGERS, { each: 'row' })) await trigger.create.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const trigger of epochTriggers(db, TRIGGERS, { each: 'row' })) await trigger.drop.execute(db);
  await dropEpochBump(db);
  await db.schema.dropTable('auth_epoch').execute();
}
