import { type Kysely, sql } from 'kysely';
import { addIdColumn, timestampType } from '../../../core/migration-helpers.ts';

export async function up(db: Kysely<any>): Promise<void> {
  const timestamp = timestampType(db);
  await addIdColumn(db, db.schema.createTable('users'))
    .addColumn('username', 'varchar(150)', (col) => col.notNull())
    .addColumn('password_hash', 'varchar(255)', (col) => col.notNull())
    .addColumn('first_name', 'varchar(150)', (col) => col.notNull().defaultTo(''))
    .addColumn('last_name', 'varchar(150)', (col) => col.notNull().defaultTo(''))
    .addColumn('email', 'varchar(254)', (col) => col.notNull().defaultTo(''))
    .addColumn('active', 'boolean', (col) => col.notNull())
    .addColumn('created_at', timestamp, (col) => col.notNull())
    .addColumn('updated_at', timestamp, (col) => col.notNull())
    .addColumn('last_login_at', timestamp)
    .execute();
  // Usernames are unique regardless of case, so "Joe" cannot pose as "joe".
  await db.schema
    .createIndex('users_username_lower_key')
    .on('users')
    .unique()
    .expression(sql`lower(username)`)
    .execute();

  await addIdColumn(db, db.schema.createTable('groups'))
    .addColumn('name', 'varchar(150)', (col) => col.notNull().unique())
    .addColumn('description', 'varchar(500)', (col) => col.notNull().defaultTo(''))
    .addColumn('created_at', timestamp, (col) => col.notNull())
    .execute();

  await db.schema
    .createTable('user_groups')
    .addColumn('user_id', 'integer', (col) => col.notNull().references('users.id').onDelete('cascade'))
    .addColumn('group_id', 'integer', (col) => col.notNull().references('groups.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('user_groups_pkey', ['user_id', 'group_id'])
    .execute();
  await db.schema.createIndex('user_groups_group_id_idx').on('user_groups').column('group_id').execute();

  await db.schema
    .createTable('group_permissions')
    .addColumn('group_id', 'integer', (col) => col.notNull().references('groups.id').onDelete('cascade'))
    .addColumn('codename', 'varchar(100)', (col) => col.notNull())
    .addPrimaryKeyConstraint('group_permissions_pkey', ['group_id', 'codename'])
    .execute();

  await db.schema
    .createTable('sessions')
    .addColumn('id_hash', 'char(64)', (col) => col.primaryKey())
    .addColumn('user_id', 'integer', (col) => col.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', timestamp, (col) => col.notNull())
    .addColumn('last_seen_at', timestamp, (col) => col.notNull())
    .addColumn('ip', 'varchar(45)', (col) => col.notNull().defaultTo(''))
    .addColumn('user_agent', 'varchar(255)', (col) => col.notNull().defaultTo(''))
    .execute();
  await db.schema.createIndex('sessions_user_id_idx').on('sessions').column('user_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['sessions', 'group_permissions', 'user_groups', 'groups', 'users']) {
    await db.schema.dropTable(table).execute();
  }
}
