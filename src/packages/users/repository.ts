import { type Kysely, sql, type Transaction } from 'kysely';
import { type Database, isPostgres } from '../../core/db.ts';
import { type Page, selectPage } from '../../core/paging.ts';
import { precompiled } from '../../core/precompiled.ts';
import {
  type GroupRow,
  type GroupRowUpdate,
  type NewGroupRow,
  type NewUserRow,
  USER_FIELDS,
  type UserFieldsRow,
  type UserRow,
  type UserRowUpdate,
} from './table.ts';
import { usernameKey } from './username-key.ts';

type Db = Kysely<Database>;

export function findUserById(db: Db, id: number): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

// The "who am I" read of every API client, so compiled once (see core/precompiled.ts).
const userWithGroupRows = precompiled((db: Db, id: number) =>
  db
    .selectFrom('users')
    .leftJoin('user_groups', 'user_groups.user_id', 'users.id')
    .leftJoin('groups', 'groups.id', 'user_groups.group_id')
    .select(USER_FIELDS.map((field) => `users.${field}` as const))
    .select('groups.name as group_name')
    .where('users.id', '=', id)
    .orderBy('groups.name'),
);

/** A user's shown columns and their group names. */
interface UserWithGroupNames {
  row: UserFieldsRow;
  groups: string[];
}

/** Rows of users joined with their groups (a user's rows together) as users with their group names. */
function withGroupNames(joined: (UserFieldsRow & { group_name: string | null })[]): UserWithGroupNames[] {
  const users: UserWithGroupNames[] = [];
  for (const { group_name, ...row } of joined) {
    if (users.at(-1)?.row.id !== row.id) users.push({ row, groups: [] });
    if (group_name !== null) users[users.length - 1].groups.push(group_name);
  }
  return users;
}

/** A user and their group names (sorted) in one query, one row per group. */
export async function findUserWithGroups(db: Db, id: number): Promise<UserWithGroupNames | undefined> {
  return withGroupNames(await userWithGroupRows(db, id))[0];
}

/** Case- and Unicode-form-insensitive, served by the unique index on username_key. */
export function findUserByUsername(db: Db, username: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('username_key', '=', usernameKey(username)).executeTakeFirst();
}

// A page of the user list, with only the columns users are shown with (rows are the cost of a
// page) and each user's group names: one query, one row per user and group.
const userPageRows = precompiled((db: Db, limit: number, offset: number) =>
  db
    .selectFrom((eb) =>
      eb.selectFrom('users').select(USER_FIELDS).orderBy('id', 'desc').limit(limit).offset(offset).as('users'),
    )
    .leftJoin('user_groups', 'user_groups.user_id', 'users.id')
    .leftJoin('groups', 'groups.id', 'user_groups.group_id')
    .select(USER_FIELDS.map((field) => `users.${field}` as const))
    .select('groups.name as group_name')
    .orderBy('users.id', 'desc')
    .orderBy('groups.name'),
);

const userCount = precompiled((db: Db) => db.selectFrom('user_count').select('value').where('id', '=', 1));

/** Users, newest first, each with their group names (sorted), and how many there are in all. */
export async function listUsers(db: Db, page: Page): Promise<{ rows: UserWithGroupNames[]; total: number }> {
  const [joined, [count]] = await Promise.all([userPageRows(db, page.limit, page.offset), userCount(db)]);
  return { rows: withGroupNames(joined), total: Number(count.value) };
}

/** Read from the count the users migration keeps: one row, however many users there are. */
export async function countUsers(db: Db): Promise<number> {
  const [count] = await userCount(db);
  return Number(count.value);
}

/** Inserts a user with the key of its username; throws a unique violation when the key is taken. */
export async function insertUser(db: Db, row: Omit<NewUserRow, 'username_key'>): Promise<UserRow> {
  return db
    .insertInto('users')
    .values({ ...row, username_key: usernameKey(row.username) })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export function updateUser(db: Db, id: number, changes: UserRowUpdate): Promise<UserRow | undefined> {
  return db.updateTable('users').set(changes).where('id', '=', id).returningAll().executeTakeFirst();
}

export async function deleteUser(db: Db, id: number): Promise<boolean> {
  const result = await db.deleteFrom('users').where('id', '=', id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** Group names of each of the given users, in one query. */
export async function groupNamesByUser(db: Db, userIds: number[]): Promise<Map<number, string[]>> {
  const names = new Map<number, string[]>(userIds.map((id) => [id, []]));
  if (userIds.length === 0) return names;
  const rows = await db
    .selectFrom('user_groups')
    .innerJoin('groups', 'groups.id', 'user_groups.group_id')
    .select(['user_groups.user_id', 'groups.name'])
    .where('user_groups.user_id', 'in', userIds)
    .orderBy('groups.name')
    .execute();
  for (const row of rows) names.get(row.user_id)?.push(row.name);
  return names;
}

/** The user's groups with the permissions granted to each (null where a group has none). */
export function accessRows(db: Db, userId: number): Promise<{ name: string; codename: string | null }[]> {
  return db
    .selectFrom('user_groups')
    .innerJoin('groups', 'groups.id', 'user_groups.group_id')
    .leftJoin('group_permissions', 'group_permissions.group_id', 'groups.id')
    .select(['groups.name', 'group_permissions.codename'])
    .where('user_groups.user_id', '=', userId)
    .execute();
}

/** Ids of the group's active members. */
export async function activeMemberIds(db: Db, groupName: string): Promise<number[]> {
  const rows = await db
    .selectFrom('users')
    .innerJoin('user_groups', 'user_groups.user_id', 'users.id')
    .innerJoin('groups', 'groups.id', 'user_groups.group_id')
    .select('users.id')
    .where('groups.name', '=', groupName)
    .where('users.active', '=', 1)
    .execute();
  return rows.map((row) => row.id);
}

// "user" in ASCII: any fixed number serves, as long as nothing else takes the same advisory lock.
const AUTHORITY_LOCK = 0x75736572;

/**
 * Holds, until the transaction ends, the lock every change to who holds what takes first, so the
 * checks of concurrent changes (two admins each removing the other) see each other's result.
 * PostgreSQL: a transaction-level advisory lock. SQLite: a write as the first statement takes the
 * database's one write lock at once; reading first would let another process write in between
 * and fail this transaction's write instead of waiting.
 */
export async function lockAuthority(trx: Transaction<Database>): Promise<void> {
  if (isPostgres(trx)) {
    await sql`select pg_advisory_xact_lock(${AUTHORITY_LOCK})`.execute(trx);
  } else {
    await trx
      .updateTable('groups')
      .set({ name: sql.ref('name') })
      .where('id', '=', 0)
      .execute();
  }
}

export function findGroupById(db: Db, id: number): Promise<GroupRow | undefined> {
  return db.selectFrom('groups').selectAll().where('id', '=', id).executeTakeFirst();
}

export function findGroupByName(db: Db, name: string): Promise<GroupRow | undefined> {
  return db.selectFrom('groups').selectAll().where('name', '=', name).executeTakeFirst();
}

export async function listGroups(db: Db, page: Page): Promise<{ rows: GroupRow[]; total: number }> {
  const groups = db.selectFrom('groups');
  return selectPage(groups, groups.selectAll().orderBy('name'), page);
}

export function insertGroup(db: Db, row: NewGroupRow): Promise<GroupRow> {
  return db.insertInto('groups').values(row).returningAll().executeTakeFirstOrThrow();
}

export function updateGroup(db: Db, id: number, changes: GroupRowUpdate): Promise<GroupRow | undefined> {
  return db.updateTable('groups').set(changes).where('id', '=', id).returningAll().executeTakeFirst();
}

export async function deleteGroup(db: Db, id: number): Promise<boolean> {
  const result = await db.deleteFrom('groups').where('id', '=', id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

export async function listMembers(db: Db, groupId: number, page: Page): Promise<{ rows: UserRow[]; total: number }> {
  const members = db
    .selectFrom('users')
    .innerJoin('user_groups', 'user_groups.user_id', 'users.id')
    .where('user_groups.group_id', '=', groupId);
  return selectPage(members, members.selectAll('users').orderBy('users.username'), page);
}

/** Adds the membership; false when it already existed. */
export async function insertMembership(db: Db, userId: number, groupId: number): Promise<boolean> {
  const result = await db
    .insertInto('user_groups')
    .values({ user_id: userId, group_id: groupId })
    .onConflict((oc) => oc.doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
}

export async function deleteMembership(db: Db, userId: number, groupId: number): Promise<boolean> {
  const result = await db
    .deleteFrom('user_groups')
    .where('user_id', '=', userId)
    .where('group_id', '=', groupId)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

export async function groupPermissions(db: Db, groupId: number): Promise<string[]> {
  const rows = await db
    .selectFrom('group_permissions')
    .select('codename')
    .where('group_id', '=', groupId)
    .orderBy('codename')
    .execute();
  return rows.map((row) => row.codename);
}

/** Grants the permission; false when the group already held it. */
export async function insertPermission(db: Db, groupId: number, codename: string): Promise<boolean> {
  const result = await db
    .insertInto('group_permissions')
    .values({ group_id: groupId, codename })
    .onConflict((oc) => oc.doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
}

export async function deletePermission(db: Db, groupId: number, codename: string): Promise<boolean> {
  const result = await db
    .deleteFrom('group_permissions')
    .where('group_id', '=', groupId)
    .where('codename', '=', codename)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}
