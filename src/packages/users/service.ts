import { type Db, isUniqueViolation, nowIso, toDbBool } from '../../core/db.ts';
import type { Page, Paged } from '../../core/paging.ts';
import {
  GroupNameTakenError,
  GroupNotFoundError,
  InvalidCredentialsError,
  UnknownPermissionError,
  UserNotFoundError,
  UsernameTakenError,
  WeakPasswordError,
} from './errors.ts';
import type { LoginThrottle } from './login-throttle.ts';
import { hashPassword, needsRehash, passwordWeakness, verifyPassword } from './passwords.ts';
import * as repo from './repository.ts';
import { deleteUserSessions } from './session-repository.ts';
import type { GroupRow, UserRow } from './table.ts';
import { usernameKey } from './username-key.ts';

/** A user as the API shows it; never carries the password hash. */
export interface User {
  id: number;
  username: string;
  first_name: string;
  last_name: string;
  email: string;
  active: boolean;
  groups: string[];
  created_at: string;
  last_login_at: string | null;
}

export interface Group {
  id: number;
  name: string;
  description: string;
}

export interface NewUser {
  username: string;
  password: string;
  first_name?: string;
  last_name?: string;
  email?: string;
  active?: boolean;
}

export interface UserChanges {
  first_name?: string;
  last_name?: string;
  email?: string;
  active?: boolean;
  password?: string;
}

/** The group whose members hold every permission, as in the original project. */
export const ADMIN_GROUP = 'admin';

export function userRowToUser(row: UserRow, groups: string[]): User {
  return {
    id: row.id,
    username: row.username,
    first_name: row.first_name,
    last_name: row.last_name,
    email: row.email,
    active: Boolean(row.active),
    groups,
    created_at: row.created_at,
    last_login_at: row.last_login_at,
  };
}

export function groupRowToGroup(row: GroupRow): Group {
  return { id: row.id, name: row.name, description: row.description };
}

export interface UsersServiceOptions {
  permissions: ReadonlyMap<string, string>;
  throttle?: LoginThrottle;
  now?: () => Date;
}

/** Passwords from the CLI may be weak (the original's `--password 1234` flow); never from the web. */
export interface PasswordPolicy {
  allowWeakPassword?: boolean;
}

export function createUsersService(db: Db, options: UsersServiceOptions) {
  const now = options.now ?? (() => new Date());

  function checkPassword(password: string, username: string, policy: PasswordPolicy): void {
    const weakness = passwordWeakness(password, username);
    if (weakness && !policy.allowWeakPassword) throw new WeakPasswordError(weakness);
  }

  /** Users with their group names, in one query for the whole list. */
  async function toUsers(rows: UserRow[]): Promise<User[]> {
    const groups = await repo.groupNamesByUser(
      db,
      rows.map((row) => row.id),
    );
    return rows.map((row) => userRowToUser(row, groups.get(row.id) ?? []));
  }

  async function toUser(row: UserRow): Promise<User> {
    return (await toUsers([row]))[0];
  }

  async function userByUsername(username: string): Promise<UserRow> {
    const row = await repo.findUserByUsername(db, username);
    if (!row) throw new UserNotFoundError(username);
    return row;
  }

  async function groupByName(name: string): Promise<GroupRow> {
    const row = await repo.findGroupByName(db, name);
    if (!row) throw new GroupNotFoundError(name);
    return row;
  }

  async function groupById(id: number): Promise<GroupRow> {
    const row = await repo.findGroupById(db, id);
    if (!row) throw new GroupNotFoundError();
    return row;
  }

  async function userById(id: number): Promise<UserRow> {
    const row = await repo.findUserById(db, id);
    if (!row) throw new UserNotFoundError();
    return row;
  }

  function assertKnownPermission(codename: string): void {
    if (!options.permissions.has(codename)) throw new UnknownPermissionError(codename);
  }

  return {
    permissions: options.permissions,

    async createUser(input: NewUser, policy: PasswordPolicy = {}): Promise<User> {
      checkPassword(input.password, input.username, policy);
      if (await repo.findUserByUsername(db, input.username)) throw new UsernameTakenError(input.username);
      const passwordHash = await hashPassword(input.password);
      const timestamp = nowIso(now());
      try {
        const row = await repo.insertUser(db, {
          username: input.username,
          password_hash: passwordHash,
          first_name: input.first_name ?? '',
          last_name: input.last_name ?? '',
          email: input.email ?? '',
          active: toDbBool(input.active ?? true),
          created_at: timestamp,
          updated_at: timestamp,
          last_login_at: null,
        });
        return userRowToUser(row, []);
      } catch (error) {
        // Two requests may pass the check above together; the unique index decides.
        if (isUniqueViolation(error)) throw new UsernameTakenError(input.username);
        throw error;
      }
    },

    async getUser(id: number): Promise<User> {
      return toUser(await userById(id));
    },

    async getUserByUsername(username: string): Promise<User> {
      return toUser(await userByUsername(username));
    },

    async listUsers(page: Page): Promise<Paged<User>> {
      const { rows, total } = await repo.listUsers(db, page);
      return { items: await toUsers(rows), total, ...page };
    },

    async countUsers(): Promise<number> {
      return repo.countUsers(db);
    },

    /**
     * Changes a user. A new password or deactivation ends the user's other sessions at once;
     * `keepSessionHash` is the session making the change, which stays logged in.
     */
    async updateUser(
      id: number,
      changes: UserChanges,
      policy: PasswordPolicy & { keepSessionHash?: string } = {},
    ): Promise<User> {
      const current = await userById(id);
      if (changes.password !== undefined) checkPassword(changes.password, current.username, policy);
      // Hash before the transaction opens, so no write lock is held while the hasher runs.
      const passwordHash = changes.password === undefined ? undefined : await hashPassword(changes.password);
      const row = await db.transaction().execute(async (trx) => {
        const updated = await repo.updateUser(trx, id, {
          ...(changes.first_name !== undefined && { first_name: changes.first_name }),
          ...(changes.last_name !== undefined && { last_name: changes.last_name }),
          ...(changes.email !== undefined && { email: changes.email }),
          ...(changes.active !== undefined && { active: toDbBool(changes.active) }),
          ...(passwordHash !== undefined && { password_hash: passwordHash }),
          updated_at: nowIso(now()),
        });
        if (!updated) throw new UserNotFoundError();
        if (changes.active === false) await deleteUserSessions(trx, id);
        else if (changes.password !== undefined) await deleteUserSessions(trx, id, policy.keepSessionHash);
        return updated;
      });
      return toUser(row);
    },

    async setPassword(username: string, password: string, policy: PasswordPolicy = {}): Promise<User> {
      const row = await userByUsername(username);
      return this.updateUser(row.id, { password }, policy);
    },

    /**
     * Checks a user's own password before they change it. Failures count against the login
     * throttle, so a borrowed session cannot be used to guess the password.
     */
    async checkCurrentPassword(id: number, password: string, address: string): Promise<boolean> {
      const row = await userById(id);
      await options.throttle?.check(row.username_key, address);
      const ok = await verifyPassword(row.password_hash, password);
      if (!ok) await options.throttle?.recordFailure(row.username_key, address);
      return ok;
    },

    async deleteUser(id: number): Promise<void> {
      if (!(await repo.deleteUser(db, id))) throw new UserNotFoundError();
    },

    /**
     * Checks a username and password. The hasher runs once whether or not the user exists,
     * and every failure is the same InvalidCredentialsError.
     */
    async authenticate(username: string, password: string, address: string): Promise<User> {
      // One account however its name is typed: another case or Unicode form buys no more attempts.
      const account = usernameKey(username);
      await options.throttle?.check(account, address);
      const row = await repo.findUserByUsername(db, username);
      const ok = await verifyPassword(row?.password_hash, password);
      if (!row || !ok || !row.active) {
        await options.throttle?.recordFailure(account, address);
        throw new InvalidCredentialsError();
      }
      await options.throttle?.recordSuccess(account);
      const loginAt = nowIso(now());
      const rehash = needsRehash(row.password_hash) ? { password_hash: await hashPassword(password) } : {};
      await repo.updateUser(db, row.id, { last_login_at: loginAt, ...rehash });
      return toUser({ ...row, last_login_at: loginAt });
    },

    /** Group names and permission codenames of a user; the admin group holds them all. */
    async access(userId: number): Promise<{ groups: string[]; permissions: Set<string> }> {
      const rows = await repo.accessRows(db, userId);
      const groups = [...new Set(rows.map((row) => row.name))].sort();
      const permissions = groups.includes(ADMIN_GROUP)
        ? new Set(options.permissions.keys())
        : new Set(rows.flatMap((row) => (row.codename ? [row.codename] : [])));
      return { groups, permissions };
    },

    async createGroup(input: { name: string; description?: string }): Promise<Group> {
      if (await repo.findGroupByName(db, input.name)) throw new GroupNameTakenError(input.name);
      try {
        const row = await repo.insertGroup(db, {
          name: input.name,
          description: input.description ?? '',
          created_at: nowIso(now()),
        });
        return groupRowToGroup(row);
      } catch (error) {
        if (isUniqueViolation(error)) throw new GroupNameTakenError(input.name);
        throw error;
      }
    },

    async getGroup(id: number): Promise<Group> {
      return groupRowToGroup(await groupById(id));
    },

    async getGroupByName(name: string): Promise<Group> {
      return groupRowToGroup(await groupByName(name));
    },

    async listGroups(page: Page): Promise<Paged<Group>> {
      const { rows, total } = await repo.listGroups(db, page);
      return { items: rows.map(groupRowToGroup), total, ...page };
    },

    async updateGroup(id: number, changes: { name?: string; description?: string }): Promise<Group> {
      const current = await groupById(id);
      // Nothing to set would be an UPDATE without a SET clause: answer the group as it is.
      if (changes.name === undefined && changes.description === undefined) return groupRowToGroup(current);
      if (changes.name !== undefined) {
        const other = await repo.findGroupByName(db, changes.name);
        if (other && other.id !== id) throw new GroupNameTakenError(changes.name);
      }
      try {
        const row = await repo.updateGroup(db, id, changes);
        if (!row) throw new GroupNotFoundError();
        return groupRowToGroup(row);
      } catch (error) {
        if (isUniqueViolation(error) && changes.name) throw new GroupNameTakenError(changes.name);
        throw error;
      }
    },

    async deleteGroup(id: number): Promise<void> {
      if (!(await repo.deleteGroup(db, id))) throw new GroupNotFoundError();
    },

    async listMembers(groupId: number, page: Page): Promise<Paged<User>> {
      await groupById(groupId);
      const { rows, total } = await repo.listMembers(db, groupId, page);
      return { items: await toUsers(rows), total, ...page };
    },

    /** Adds a member; true when the membership is new. */
    async addMember(groupId: number, userId: number): Promise<boolean> {
      await Promise.all([groupById(groupId), userById(userId)]);
      return repo.insertMembership(db, userId, groupId);
    },

    async addMemberByName(groupName: string, username: string): Promise<boolean> {
      const [group, user] = await Promise.all([groupByName(groupName), userByUsername(username)]);
      return repo.insertMembership(db, user.id, group.id);
    },

    /** Removes a member; false when they were not one. */
    async removeMember(groupId: number, userId: number): Promise<boolean> {
      await Promise.all([groupById(groupId), userById(userId)]);
      return repo.deleteMembership(db, userId, groupId);
    },

    async removeMemberByName(groupName: string, username: string): Promise<boolean> {
      const [group, user] = await Promise.all([groupByName(groupName), userByUsername(username)]);
      return repo.deleteMembership(db, user.id, group.id);
    },

    async groupPermissions(groupId: number): Promise<string[]> {
      await groupById(groupId);
      return repo.groupPermissions(db, groupId);
    },

    /** Grants a declared permission to a group; true when it is new. */
    async grant(groupId: number, codename: string): Promise<boolean> {
      assertKnownPermission(codename);
      await groupById(groupId);
      return repo.insertPermission(db, groupId, codename);
    },

    async grantByName(groupName: string, codename: string): Promise<boolean> {
      assertKnownPermission(codename);
      return repo.insertPermission(db, (await groupByName(groupName)).id, codename);
    },

    /** Takes a permission from a group; it stops working on the holders' very next request. */
    async revoke(groupId: number, codename: string): Promise<boolean> {
      assertKnownPermission(codename);
      await groupById(groupId);
      return repo.deletePermission(db, groupId, codename);
    },

    async revokeByName(groupName: string, codename: string): Promise<boolean> {
      assertKnownPermission(codename);
      return repo.deletePermission(db, (await groupByName(groupName)).id, codename);
    },
  };
}

export type UsersService = ReturnType<typeof createUsersService>;
