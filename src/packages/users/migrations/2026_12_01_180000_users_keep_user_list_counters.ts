import type { Kysely } from 'kysely';
import { type ChangeTrigger, createChangeTrigger, dropChangeTrigger } from '../../../core/change-triggers.ts';

// The user list is read far more often than it changes. Two one-row counters kept by triggers,
// in the same transaction as each change, from whichever process or command makes it:
// - user_count: how many users there are. count(*) reads a whole index (tens of milliseconds at
//   a million users on either database); this is one primary-key read.
// - user_list_epoch: moved by every change a page of the list shows (a user's listed fields,
//   their memberships, their groups' names), so each process may keep the pages it answered
//   while it stays put (see core/epochs.ts).
const COUNT = (change: string) => `update user_count set value = value ${change} where id = 1`;
const MOVE = 'update user_list_epoch set value = value + 1 where id = 1';

const TRIGGERS: ChangeTrigger[] = [
  { name: 'users_insert_user_list', table: 'users', event: 'insert', body: (rows) => `${COUNT(`+ ${rows}`)}; ${MOVE}` },
  { name: 'users_delete_user_list', table: 'users', event: 'delete', body: (rows) => `${COUNT(`- ${rows}`)}; ${MOVE}` },
  {
    name: 'users_update_user_list',
    table: 'users',
    event: 'update of username, first_name, last_name, email, active, created_at, last_login_at',
    body: MOVE,
  },
  { name: 'groups_update_user_list', table: 'groups', event: 'update of name', body: MOVE },
  { name: 'groups_delete_user_list', table: 'groups', event: 'delete', body: MOVE },
  { name: 'user_groups_insert_user_list', table: 'user_groups', event: 'insert', body: MOVE },
  { name: 'user_groups_update_user_list', table: 'user_groups', event: 'update', body: MOVE },
  { name: 'user_groups_delete_user_list', table: 'user_groups', event: 'delete', body: MOVE },
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const table of ['user_count', 'user_list_epoch']) {
    await db.schema
      .createTable(table)
      .addColumn('id', 'integer', (col) => col.primaryKey())
      .addColumn('value', 'bigint', (col) => col.notNull())
      .execute();
  }
  const { users } = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll().as('users'))
    .executeTakeFirstOrThrow();
  await db.insertInto('user_count').values({ id: 1, value: users }).execute();
  await db.insertInto('user_list_epoch').values({ id: 1, value: 0 }).execute();
  for (const trigger of TRIGGERS) await createChangeTrigger(db, trigger);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const trigger of TRIGGERS) await dropChangeTrigger(db, trigger);
  await db.schema.dropTable('user_list_epoch').execute();
  await db.schema.dropTable('user_count').execute();
}
