import type { Kysely } from 'kysely';

// The admin lists users by username and pages by (username, id): without this index every page
// of 100,000 users would sort the whole table.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('users_username_id').on('users').columns(['username', 'id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('users_username_id').execute();
}
