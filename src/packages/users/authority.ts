import type { Kysely } from 'kysely';
import type { Actor } from '../../core/actor.ts';
import type { Database } from '../../core/db.ts';
import { AdminGroupError, BeyondHeldError, LastAdminError, SelfChangeError } from './errors.ts';
import * as repo from './repository.ts';
import type { GroupRow, UserRow } from './table.ts';

/** The group whose members hold every permission, as in the original project. */
export const ADMIN_GROUP = 'admin';

export { type Actor, OPERATOR } from '../../core/actor.ts';

type Executor = Kysely<Database>;

/**
 * Django's rule, generalised: nobody gives, through any route or page, more than they hold, and
 * the admin group keeps its name, its existence and an active member. `declared` is every
 * permission the packages declare: what the admin group holds.
 */
export function createAuthority(declared: ReadonlyMap<string, string>) {
  /** Group names and permission codenames of a user; the admin group holds them all. */
  async function access(db: Executor, userId: number): Promise<{ groups: string[]; permissions: Set<string> }> {
    const rows = await repo.accessRows(db, userId);
    const groups = [...new Set(rows.map((row) => row.name))].sort();
    const permissions = groups.includes(ADMIN_GROUP)
      ? new Set(declared.keys())
      : new Set(rows.flatMap((row) => (row.codename ? [row.codename] : [])));
    return { groups, permissions };
  }

  function assertHolds(actor: Actor, needed: Iterable<string>, refusal: () => string): void {
    if (actor.kind === 'operator') return;
    // A codename no installed package declares lets nobody do anything, so it need not be held.
    for (const permission of needed) {
      if (declared.has(permission) && !actor.holds.has(permission)) throw new BeyondHeldError(refusal());
    }
  }

  function isSelf(actor: Actor, user: UserRow): boolean {
    return actor.kind === 'user' && actor.userId === user.id;
  }

  return {
    access,

    /** 403 unless the actor holds every permission the group gives, with `adding` granted too. */
    async assertMayGive(db: Executor, actor: Actor, group: GroupRow, adding?: string): Promise<void> {
      if (actor.kind === 'operator') return;
      const gives = group.name === ADMIN_GROUP ? [...declared.keys()] : await repo.groupPermissions(db, group.id);
      if (adding !== undefined) gives.push(adding);
      assertHolds(actor, gives, () => `group "${group.name}" would give permissions you do not hold`);
    },

    /**
     * 403 unless the user is the actor or holds nothing the actor does not: changing someone's
     * password, activity or groups, or deleting them, is taking over what they hold, so only an
     * admin changes an admin.
     */
    async assertMayChange(db: Executor, actor: Actor, user: UserRow): Promise<void> {
      if (actor.kind === 'operator' || isSelf(actor, user)) return;
      const { permissions } = await access(db, user.id);
      assertHolds(actor, permissions, () => `${user.username} holds permissions you do not hold`);
    },

    /**
     * 409 when the user is the admin group's last active member, for a change (`removed from
     * ...`, `deactivated`, `deleted`) that would leave it none. Run under lockAuthority, after
     * reading `user` there, or two admins removing each other would both pass.
     */
    async assertKeepsAnAdmin(db: Executor, actor: Actor, user: UserRow, change: string): Promise<void> {
      if (actor.kind === 'operator' || !user.active) return;
      const admins = await repo.activeMemberIds(db, ADMIN_GROUP);
      if (admins.length === 1 && admins[0] === user.id) throw new LastAdminError(user.username, ADMIN_GROUP, change);
    },

    /** 400 when an API caller deletes or deactivates their own account, which they would lose mid-request. */
    assertNotSelf(actor: Actor, user: UserRow, change: 'delete' | 'deactivate'): void {
      if (isSelf(actor, user)) throw new SelfChangeError(change);
    },

    /**
     * A group named `admin` gives everything: only a holder of everything may make one (403), and
     * the admin group itself is neither renamed nor deleted (409). `name` is the new name, if any.
     */
    assertMayName(actor: Actor, current: GroupRow | undefined, name: string | undefined): void {
      if (actor.kind === 'operator' || name === undefined || name === current?.name) return;
      if (current?.name === ADMIN_GROUP) throw new AdminGroupError(ADMIN_GROUP, 'renamed');
      if (name === ADMIN_GROUP) {
        assertHolds(actor, declared.keys(), () => `a group named "${ADMIN_GROUP}" gives permissions you do not hold`);
      }
    },

    assertMayDelete(actor: Actor, group: GroupRow): void {
      if (actor.kind !== 'operator' && group.name === ADMIN_GROUP) throw new AdminGroupError(ADMIN_GROUP, 'deleted');
    },
  };
}

export type Authority = ReturnType<typeof createAuthority>;
