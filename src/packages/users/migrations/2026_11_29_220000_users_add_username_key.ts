import { type Kysely, sql } from 'kysely';
import { usernameKey } from '../username-key.ts';

// Usernames were unique by the database's lower(): ASCII only on SQLite, so `Ärger` and `ärger`
// could both exist there and a lookup by one could find the other. From here every lookup goes
// through `username_key`, computed in JavaScript the same way for both databases (username-key.ts,
// whose rule this migration relies on being the one the code uses), and unique.
export async function up(db: Kysely<any>): Promise<void> {
  const users: { id: number; username: string }[] = await db.selectFrom('users').select(['id', 'username']).execute();
  // Checked before anything changes (SQLite cannot roll back schema changes here): names the old
  // rule let in and the new one calls the same are left for a person to resolve.
  const byKey = new Map<string, { id: number; username: string }[]>();
  for (const user of users) {
    const key = usernameKey(user.username);
    byKey.set(key, [...(byKey.get(key) ?? []), user]);
  }
  const clashes = [...byKey.values()].filter((same) => same.length > 1);
  if (clashes.length > 0) {
    const list = clashes.map((same) => same.map((user) => `"${user.username}" (id ${user.id})`).join(' and '));
    throw new Error(
      `usernames that differ only in case or Unicode form: ${list.join('; ')}. ` +
        'Delete or rename all but one of each, then migrate again',
    );
  }

  // NOT NULL needs a default to be added to existing rows on SQLite; every row gets its key below
  // and every insert sets one, and no username is empty, so '' is never a key that is kept.
  await db.schema
    .alterTable('users')
    .addColumn('username_key', 'text', (col) => col.notNull().defaultTo(''))
    .execute();
  for (const [key, [user]] of byKey) {
    await db.updateTable('users').set({ username_key: key }).where('id', '=', user.id).execute();
  }
  await db.schema.createIndex('users_username_key_key').on('users').column('username_key').unique().execute();
  await db.schema.dropIndex('users_username_lower_key').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('users_username_lower_key')
    .on('users')
    .unique()
    .expression(sql`lower(username)`)
    .execute();
  await db.schema.dropIndex('users_username_key_key').execute();
  await db.schema.alterTable('users').dropColumn('username_key').execute();
}
