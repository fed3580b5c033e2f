import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/** Booleans: written as 0/1, read back as 0/1 (SQLite) or true/false (PostgreSQL). */
type DbBool = ColumnType<number | boolean, number, number>;

export interface UserTable {
  id: Generated<number>;
  /** As the user typed it, shown everywhere. */
  username: string;
  /** `usernameKey(username)`, unique: what every lookup by name compares. */
  username_key: string;
  /** Self-describing PHC string: `$argon2id$v=19$m=19456,t=2,p=1$salt$hash`. */
  password_hash: string;
  first_name: string;
  last_name: string;
  email: string;
  active: DbBool;
  created_at: string;
  updated_at: string;
  last_login_at: string | null;
}

export interface GroupTable {
  id: Generated<number>;
  name: string;
  description: string;
  created_at: string;
}

export interface UserGroupTable {
  user_id: number;
  group_id: number;
}

export interface GroupPermissionTable {
  group_id: number;
  codename: string;
}

export interface SessionTable {
  /** SHA-256 (hex) of the id in the cookie; the id itself is never stored. */
  id_hash: string;
  user_id: number;
  created_at: string;
  last_seen_at: string;
  ip: string;
  user_agent: string;
}

/** One row (id 1): how many users there are, kept by triggers on users. Bigint: a string on PostgreSQL. */
export interface UserCountTable {
  id: number;
  value: number | string;
}

export interface UsersTables {
  users: UserTable;
  user_count: UserCountTable;
  groups: GroupTable;
  user_groups: UserGroupTable;
  group_permissions: GroupPermissionTable;
  sessions: SessionTable;
}

export type UserRow = Selectable<UserTable>;
/** The columns a user is shown with (`userRowToUser`): never the password hash. */
export const USER_FIELDS = [
  'id',
  'username',
  'first_name',
  'last_name',
  'email',
  'active',
  'created_at',
  'last_login_at',
] as const;
export type UserFieldsRow = Pick<UserRow, (typeof USER_FIELDS)[number]>;
export type NewUserRow = Insertable<UserTable>;
export type UserRowUpdate = Updateable<UserTable>;
export type GroupRow = Selectable<GroupTable>;
export type NewGroupRow = Insertable<GroupTable>;
export type GroupRowUpdate = Updateable<GroupTable>;
export type SessionRow = Selectable<SessionTable>;

// Adds this package's tables to the `Database` every query is typed against.
declare module '../../core/db.ts' {
  interface Database extends UsersTables {}
}
