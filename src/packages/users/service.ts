import type { TrailActor } from '../../core/actor.ts';
import { type Db, inTransaction, isUniqueViolation, nowIso, toDbBool } from '../../core/db.ts';
import { type Epoch, EpochCache } from '../../core/epochs.ts';
import { loginFailures } from '../../core/metrics.ts';
import type { Page, Paged } from '../../core/paging.ts';
import type { AuditService } from '../audit/index.ts';
import type { EventsService } from '../events/index.ts';
import { type Actor, ADMIN_GROUP, createAuthority } from './authority.ts';
import {
  GroupNameTakenError,
  GroupNotFoundError,
  InvalidCredentialsError,
  UnknownPermissionError,
  UserNotFoundError,
  UsernameTakenError,
  WeakPasswordError,
} from './errors.ts';
import { userData } from './events.ts';
import type { LoginThrottle } from './login-throttle.ts';
import { hashPassword, needsRehash, passwordWeakness, verifyPassword } from './passwords.ts';
import * as repo from './repository.ts';
import type { Group, GroupChanges, NewGroup, NewUser, User, UserChanges } from './schemas.ts';
import { deleteUserSessions } from './session-repository.ts';
import type { GroupRow, UserFieldsRow, UserRow } from './table.ts';
import { usernameKey } from './username-key.ts';

export { type Actor, ADMIN_GROUP, OPERATOR } from './authority.ts';

export function userRowToUser(row: UserFieldsRow, groups: string[]): User {
  return { ...userData(row), groups, created_at: row.created_at, last_login_at: row.last_login_at };
}

export function groupRowToGroup(row: GroupRow): Group {
  return { id: row.id, name: row.name, description: row.description };
}

/** A user as the audit trail shows them: never the password hash. */
function userFields(row: UserRow) {
  return {
    username: row.username,
    first_name: row.first_name,
    last_name: row.last_name,
    email: row.email,
    active: Boolean(row.active),
  };
}

/** The fields that differ between two versions of a record, before and after. */
function changedFields<T extends Record<string, unknown>>(before: T, after: T) {
  const keys = Object.keys(after).filter((key) => before[key] !== after[key]);
  return {
    before: Object.fromEntries(keys.map((key) => [key, before[key]])),
    after: Object.fromEntries(keys.map((key) => [key, after[key]])),
  };
}

export interface UsersServiceOptions {
  permissions: ReadonlyMap<string, string>;
  audit: AuditService;
  /** The outbox: each change's event is written in the change's transaction. */
  events: EventsService;
  throttle?: LoginThrottle;
  /** Reads the auth epoch the cache of users' groups and permissions is kept at. */
  authEpoch?: () => Promise<Epoch>;
  /** Reads the epoch the caches of users as shown (one, or a page of the list) are kept at. */
  userListEpoch?: () => Promise<Epoch>;
  now?: () => Date;
}

/** A user's group names and permission codenames, as a request reads them. */
export interface Access {
  readonly groups: readonly string[];
  readonly permissions: ReadonlySet<string>;
}

// One entry per user active at once; a full cache starts over.
const CACHED_ACCESS = 10_000;
// Pages of the user list (limit and offset) a process keeps; a full cache starts over. At most
// 200 users a page: a few megabytes however many pages a caller asks for.
const CACHED_USER_PAGES = 64;

/** Passwords from the CLI may be weak (the original's `--password 1234` flow); never from the web. */
export interface PasswordPolicy {
  allowWeakPassword?: boolean;
}

/**
 * Every change that could give someone a permission takes an `Actor` first: what the caller
 * holds, checked here so that every route, page and command gets the same rules.
 */
export function createUsersService(db: Db, options: UsersServiceOptions) {
  const now = options.now ?? (() => new Date());
  const authority = createAuthority(options.permissions);
  const { audit, events } = options;
  const accessCache = new EpochCache<number, Access>(CACHED_ACCESS);
  const userPages = new EpochCache<string, Paged<User>>(CACHED_USER_PAGES);
  const shownUsers = new EpochCache<number, User>(CACHED_ACCESS);

  function checkPassword(password: string, username: string, policy: PasswordPolicy): void {
    const weakness = passwordWeakness(password, username);
    if (weakness && !policy.allowWeakPassword) throw new WeakPasswordError(weakness);
  }

  /** Users with their group names, in one query for the whole list. */
  async function toUsers(rows: UserFieldsRow[]): Promise<User[]> {
    const groups = await repo.groupNamesByUser(
      db,
      rows.map((row) => row.id),
    );
    return rows.map((row) => userRowToUser(row, groups.get(row.id) ?? []));
  }

  async function toUser(row: UserFieldsRow): Promise<User> {
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

  async function groupById(id: number, executor: Db = db): Promise<GroupRow> {
    const row = await repo.findGroupById(executor, id);
    if (!row) throw new GroupNotFoundError();
    return row;
  }

  async function userById(id: number, executor: Db = db): Promise<UserRow> {
    const row = await repo.findUserById(executor, id);
    if (!row) throw new UserNotFoundError();
    return row;
  }

  function assertKnownPermission(codename: string): void {
    if (!options.permissions.has(codename)) throw new UnknownPermissionError(codename);
  }

  // Membership and grant changes check and write in one transaction under lockAuthority, so a
  // check never passes on what a concurrent change is about to alter.

  /** Adds a member; true when the membership is new. */
  async function addMember(actor: Actor, groupId: number, userId: number): Promise<boolean> {
    return inTransaction(db, async (trx) => {
      await repo.lockAuthority(trx);
      const group = await groupById(groupId, trx);
      const user = await userById(userId, trx);
      await authority.assertMayChange(trx, actor, user);
      await authority.assertMayGive(trx, actor, group);
      const added = await repo.insertMembership(trx, userId, groupId);
      if (added) {
        await audit.record(trx, actor, membershipEvent('membership.added', group, user));
        await events.emit(trx, 'group.member_added', membershipData(group, user));
      }
      return added;
    });
  }

  /** Removes a member; false when they were not one. Taking away needs no more than what the user holds. */
  async function removeMember(actor: Actor, groupId: number, userId: number): Promise<boolean> {
    return inTransaction(db, async (trx) => {
      await repo.lockAuthority(trx);
      const group = await groupById(groupId, trx);
      const user = await userById(userId, trx);
      await authority.assertMayChange(trx, actor, user);
      if (group.name === ADMIN_GROUP) {
        await authority.assertKeepsAnAdmin(trx, actor, user, `removed from group "${ADMIN_GROUP}"`);
      }
      const removed = await repo.deleteMembership(trx, userId, groupId);
      if (removed) {
        await audit.record(trx, actor, membershipEvent('membership.removed', group, user));
        await events.emit(trx, 'group.member_removed', membershipData(group, user));
      }
      return removed;
    });
  }

  /** Grants a declared permission to a group; true when it is new. */
  async function grant(actor: Actor, groupId: number, codename: string): Promise<boolean> {
    assertKnownPermission(codename);
    return inTransaction(db, async (trx) => {
      await repo.lockAuthority(trx);
      const group = await groupById(groupId, trx);
      await authority.assertMayGive(trx, actor, group, codename);
      const granted = await repo.insertPermission(trx, groupId, codename);
      if (granted) await audit.record(trx, actor, permissionEvent('permission.granted', group, codename));
      return granted;
    });
  }

  /** Takes a permission from a group; true when it held it. */
  async function revoke(actor: Actor, groupId: number, codename: string): Promise<boolean> {
    assertKnownPermission(codename);
    return inTransaction(db, async (trx) => {
      const group = await groupById(groupId, trx);
      const revoked = await repo.deletePermission(trx, groupId, codename);
      if (revoked) await audit.record(trx, actor, permissionEvent('permission.revoked', group, codename));
      return revoked;
    });
  }

  function membershipEvent(action: string, group: GroupRow, user: UserRow) {
    return {
      action,
      target: `group:${group.name}`,
      summary: { group_id: group.id, user_id: user.id, username: user.username },
    };
  }

  function membershipData(group: GroupRow, user: UserRow) {
    return { group: { id: group.id, name: group.name }, user: { id: user.id, username: user.username } };
  }

  function permissionEvent(action: string, group: GroupRow, codename: string) {
    return { action, target: `group:${group.name}`, summary: { group_id: group.id, permission: codename } };
  }

  return {
    permissions: options.permissions,

    async createUser(actor: Actor, input: NewUser, policy: PasswordPolicy = {}): Promise<User> {
      checkPassword(input.password, input.username, policy);
      if (await repo.findUserByUsername(db, input.username)) throw new UsernameTakenError(input.username);
      const passwordHash = await hashPassword(input.password);
      const timestamp = nowIso(now());
      try {
        const row = await inTransaction(db, async (trx) => {
          const inserted = await repo.insertUser(trx, {
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
          await audit.record(trx, actor, {
            action: 'user.created',
            target: `user:${inserted.id}`,
            summary: { after: userFields(inserted) },
          });
          await events.emit(trx, 'user.created', userData(inserted));
          return inserted;
        });
        return userRowToUser(row, []);
      } catch (error) {
        // Two requests may pass the check above together; the unique index decides.
        if (isUniqueViolation(error)) throw new UsernameTakenError(input.username);
        throw error;
      }
    },

    /**
     * A user as the API shows them, kept under the user list's epoch like the pages of the list:
     * callers get the kept user itself and must not change it.
     */
    async getUser(id: number): Promise<User> {
      return shownUsers.through(await options.userListEpoch?.(), id, async () => {
        const found = await repo.findUserWithGroups(db, id);
        if (!found) throw new UserNotFoundError();
        return userRowToUser(found.row, found.groups);
      });
    },

    async getUserByUsername(username: string): Promise<User> {
      return toUser(await userByUsername(username));
    },

    /**
     * A page of users, newest first. Pages are kept while the user list's epoch stays put: every
     * change a page shows moves it, in every process (see the users migration that keeps it).
     * Callers get the kept page itself and must not change it.
     */
    async listUsers(page: Page): Promise<Paged<User>> {
      return userPages.through(await options.userListEpoch?.(), `${page.limit}:${page.offset}`, async () => {
        const { rows, total } = await repo.listUsers(db, page);
        return { items: rows.map(({ row, groups }) => userRowToUser(row, groups)), total, ...page };
      });
    },

    async countUsers(): Promise<number> {
      return repo.countUsers(db);
    },

    /**
     * Changes a user. A new password or deactivation ends the user's other sessions at once;
     * `keepSessionHash` is the session making the change, which stays logged in.
     */
    async updateUser(
      actor: Actor,
      id: number,
      changes: UserChanges,
      policy: PasswordPolicy & { keepSessionHash?: string } = {},
    ): Promise<User> {
      const current = await userById(id);
      // Checked before hashing and outside the lock, which must not be held while the hasher
      // runs. Should the target gain permissions before the write below, the result is the one
      // of this change coming first, which this check allowed.
      await authority.assertMayChange(db, actor, current);
      if (changes.password !== undefined) checkPassword(changes.password, current.username, policy);
      // Hash before the transaction opens, so no write lock is held while the hasher runs.
      const passwordHash = changes.password === undefined ? undefined : await hashPassword(changes.password);
      const row = await inTransaction(db, async (trx) => {
        if (changes.active === false) {
          await repo.lockAuthority(trx);
          const target = await userById(id, trx);
          await authority.assertKeepsAnAdmin(trx, actor, target, 'deactivated');
          authority.assertNotSelf(actor, target, 'deactivate');
        }
        const updated = await repo.updateUser(trx, id, {
          ...(changes.first_name !== undefined && { first_name: changes.first_name }),
          ...(changes.last_name !== undefined && { last_name: changes.last_name }),
          ...(changes.email !== undefined && { email: changes.email }),
          ...(changes.active !== undefined && { active: toDbBool(changes.active) }),
          ...(passwordHash !== undefined && { password_hash: passwordHash }),
          updated_at: nowIso(now()),
        });
        if (!updated) throw new UserNotFoundError();
        const { before, after } = changedFields(userFields(current), userFields(updated));
        if (Object.keys(after).length > 0 || passwordHash !== undefined) {
          await audit.record(trx, actor, {
            action: 'user.updated',
            target: `user:${id}`,
            summary: { before, after, ...(passwordHash !== undefined && { password: 'changed' }) },
          });
          const changed = [...Object.keys(after), ...(passwordHash !== undefined ? ['password'] : [])];
          await events.emit(trx, 'user.updated', { ...userData(updated), changed });
        }
        if (changes.active === false) await deleteUserSessions(trx, id);
        else if (changes.password !== undefined) await deleteUserSessions(trx, id, policy.keepSessionHash);
        return updated;
      });
      return toUser(row);
    },

    async setPassword(actor: Actor, username: string, password: string, policy: PasswordPolicy = {}): Promise<User> {
      const row = await userByUsername(username);
      return this.updateUser(actor, row.id, { password }, policy);
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

    async deleteUser(actor: Actor, id: number): Promise<void> {
      await inTransaction(db, async (trx) => {
        await repo.lockAuthority(trx);
        const target = await userById(id, trx);
        await authority.assertMayChange(trx, actor, target);
        await authority.assertKeepsAnAdmin(trx, actor, target, 'deleted');
        authority.assertNotSelf(actor, target, 'delete');
        await repo.deleteUser(trx, id);
        await audit.record(trx, actor, {
          action: 'user.deleted',
          target: `user:${id}`,
          summary: { before: userFields(target) },
        });
        await events.emit(trx, 'user.deleted', { id, username: target.username });
      });
    },

    /**
     * Checks a username and password. The hasher runs once whether or not the user exists,
     * and every failure is the same InvalidCredentialsError. On success, `andThen` runs in the
     * transaction that records the login, so what it writes (the session) commits with it.
     */
    async authenticate(
      username: string,
      password: string,
      address: string,
      andThen?: (trx: Db, userId: number) => Promise<void>,
    ): Promise<User> {
      // One account however its name is typed: another case or Unicode form buys no more attempts.
      const account = usernameKey(username);
      await options.throttle?.check(account, address).catch((error) => {
        loginFailures.inc({ reason: 'throttled' });
        throw error;
      });
      const row = await repo.findUserByUsername(db, username);
      const ok = await verifyPassword(row?.password_hash, password);
      if (!row || !ok || !row.active) {
        await options.throttle?.recordFailure(account, address);
        // The name tried, never the password: a password typed into the name field is the risk
        // taken for knowing which account is being guessed at.
        await audit.record(
          db,
          { kind: 'anonymous', address },
          {
            action: 'login.failed',
            target: row ? `user:${row.id}` : `username:${username.slice(0, 150)}`,
            summary: {
              username: username.slice(0, 150),
              reason: !row ? 'no such user' : !ok ? 'wrong password' : 'inactive',
            },
          },
        );
        loginFailures.inc({ reason: 'invalid_credentials' });
        throw new InvalidCredentialsError();
      }
      await options.throttle?.recordSuccess(account, address);
      const loginAt = nowIso(now());
      const rehash = needsRehash(row.password_hash) ? { password_hash: await hashPassword(password) } : {};
      const self: TrailActor = { kind: 'user', userId: row.id, username: row.username, address };
      await inTransaction(db, async (trx) => {
        await repo.updateUser(trx, row.id, { last_login_at: loginAt, ...rehash });
        await audit.record(trx, self, { action: 'login.succeeded', target: `user:${row.id}` });
        await andThen?.(trx, row.id);
      });
      return toUser({ ...row, last_login_at: loginAt });
    },

    /** Group names and permission codenames of a user; the admin group holds them all. */
    async access(userId: number): Promise<{ groups: string[]; permissions: Set<string> }> {
      return authority.access(db, userId);
    },

    /** Reads the auth epoch: what a request's cached answers must have been kept at (see core/epochs.ts). */
    authEpoch(): Promise<Epoch> {
      return options.authEpoch?.() ?? Promise.resolve(undefined);
    },

    /**
     * As `access`, answered from the process's cache while the auth epoch the request read stays
     * put: every change to memberships, grants, groups or the user moves it, in every process.
     */
    async accessAt(epoch: Epoch, userId: number): Promise<Access> {
      return accessCache.through(epoch, userId, () => authority.access(db, userId));
    },

    async createGroup(actor: Actor, input: NewGroup): Promise<Group> {
      authority.assertMayName(actor, undefined, input.name);
      if (await repo.findGroupByName(db, input.name)) throw new GroupNameTakenError(input.name);
      try {
        const row = await inTransaction(db, async (trx) => {
          const inserted = await repo.insertGroup(trx, {
            name: input.name,
            description: input.description ?? '',
            created_at: nowIso(now()),
          });
          await audit.record(trx, actor, {
            action: 'group.created',
            target: `group:${inserted.name}`,
            summary: { group_id: inserted.id, after: { name: inserted.name, description: inserted.description } },
          });
          return inserted;
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

    async updateGroup(actor: Actor, id: number, changes: GroupChanges): Promise<Group> {
      try {
        const row = await inTransaction(db, async (trx) => {
          await repo.lockAuthority(trx);
          const current = await groupById(id, trx);
          authority.assertMayName(actor, current, changes.name);
          // Nothing to set would be an UPDATE without a SET clause: answer the group as it is.
          if (changes.name === undefined && changes.description === undefined) return current;
          if (changes.name !== undefined) {
            const other = await repo.findGroupByName(trx, changes.name);
            if (other && other.id !== id) throw new GroupNameTakenError(changes.name);
          }
          const updated = await repo.updateGroup(trx, id, changes);
          if (!updated) throw new GroupNotFoundError();
          const { before, after } = changedFields(
            { name: current.name, description: current.description },
            { name: updated.name, description: updated.description },
          );
          if (Object.keys(after).length > 0) {
            await audit.record(trx, actor, {
              action: 'group.updated',
              target: `group:${current.name}`,
              summary: { group_id: id, before, after },
            });
          }
          return updated;
        });
        return groupRowToGroup(row);
      } catch (error) {
        if (isUniqueViolation(error) && changes.name) throw new GroupNameTakenError(changes.name);
        throw error;
      }
    },

    async deleteGroup(actor: Actor, id: number): Promise<void> {
      await inTransaction(db, async (trx) => {
        await repo.lockAuthority(trx);
        const group = await groupById(id, trx);
        authority.assertMayDelete(actor, group);
        await repo.deleteGroup(trx, id);
        await audit.record(trx, actor, {
          action: 'group.deleted',
          target: `group:${group.name}`,
          summary: { group_id: id, before: { name: group.name, description: group.description } },
        });
      });
    },

    async listMembers(groupId: number, page: Page): Promise<Paged<User>> {
      await groupById(groupId);
      const { rows, total } = await repo.listMembers(db, groupId, page);
      return { items: await toUsers(rows), total, ...page };
    },

    addMember,

    async addMemberByName(actor: Actor, groupName: string, username: string): Promise<boolean> {
      const [group, user] = await Promise.all([groupByName(groupName), userByUsername(username)]);
      return addMember(actor, group.id, user.id);
    },

    removeMember,

    async removeMemberByName(actor: Actor, groupName: string, username: string): Promise<boolean> {
      const [group, user] = await Promise.all([groupByName(groupName), userByUsername(username)]);
      return removeMember(actor, group.id, user.id);
    },

    async groupPermissions(groupId: number): Promise<string[]> {
      await groupById(groupId);
      return repo.groupPermissions(db, groupId);
    },

    grant,

    async grantByName(actor: Actor, groupName: string, codename: string): Promise<boolean> {
      assertKnownPermission(codename);
      return grant(actor, (await groupByName(groupName)).id, codename);
    },

    /** Takes a permission from a group; it stops working on the holders' very next request. */
    revoke,

    async revokeByName(actor: Actor, groupName: string, codename: string): Promise<boolean> {
      assertKnownPermission(codename);
      return revoke(actor, (await groupByName(groupName)).id, codename);
    },
  };
}

export type UsersService = ReturnType<typeof createUsersService>;
