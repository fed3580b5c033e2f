import { Type } from 'typebox';
import { type AdminContext, AdminFieldError, type AdminModel, type AdminRow } from '../../core/admin.ts';
import { tableList } from '../../core/admin-list.ts';
import * as repo from './repository.ts';
import type { User } from './schemas.ts';
import { NewUserSchema, UserChangesSchema } from './schemas.ts';
import { userRowToUser } from './service.ts';
import type { UserRow } from './table.ts';

const { current_password: _ownPasswordOnly, ...userChanges } = UserChangesSchema.properties;

// The admin's user form: the API's changes (less the current password, which only a user
// changing their own password through the API gives) and the user's groups.
const UserFormSchema = Type.Object(
  { ...userChanges, groups: Type.Optional(Type.Array(Type.String({ maxLength: 150 }), { maxItems: 500 })) },
  { additionalProperties: false },
);

function userRow(user: User): AdminRow {
  return { ...user, name: `${user.first_name} ${user.last_name}`.trim() };
}

async function groupChoices(context: AdminContext) {
  const { items } = await context.services.users.listGroups({ limit: 200, offset: 0 });
  return items.map((group) => ({ value: group.name, label: group.name }));
}

const userColumns = [
  { key: 'username', label: 'Username', sortable: true, searchable: true },
  { key: 'name', label: 'Name' },
  { key: 'email', label: 'Email', searchable: true },
  {
    key: 'active',
    label: 'Active',
    filter: [
      { value: '1', label: 'Active' },
      { value: '0', label: 'Inactive' },
    ],
  },
  { key: 'groups', label: 'Groups' },
  { key: 'last_login_at', label: 'Last login' },
];

const users = tableList({
  table: 'users',
  columns: userColumns,
  // The page's users with their groups, read in one query for the page; the row's password
  // hash goes no further than userRowToUser.
  toRows: async (rows, context) => {
    const groups = await repo.groupNamesByUser(
      context.db,
      rows.map((row) => Number(row.id)),
    );
    return (rows as UserRow[]).map((row) => userRow(userRowToUser(row, groups.get(row.id) ?? [])));
  },
});

/** Activates or deactivates each user through the service, which ends a deactivated user's sessions. */
function setActive(active: boolean) {
  return async (ids: number[], context: AdminContext) => {
    for (const id of ids) await context.services.users.updateUser(context.actor, id, { active });
    return { message: `${ids.length} user${ids.length === 1 ? '' : 's'} ${active ? 'activated' : 'deactivated'}.` };
  };
}

/**
 * Memberships as the form ticks them, changed one by one through the service, so the rules
 * about giving apply to each; additions first, so a refused one changes nothing else. Only the
 * groups the form offered are taken away.
 */
async function setGroups(userId: number, current: string[], wanted: string[], context: AdminContext): Promise<void> {
  const { users: service } = context.services;
  const offered = new Set((await groupChoices(context)).map((choice) => choice.value));
  const adding = wanted.filter((name) => !current.includes(name));
  const removing = current.filter((name) => offered.has(name) && !wanted.includes(name));
  for (const name of adding) await service.addMember(context.actor, (await service.getGroupByName(name)).id, userId);
  for (const name of removing) {
    await service.removeMember(context.actor, (await service.getGroupByName(name)).id, userId);
  }
}

export const userAdmin: AdminModel = {
  name: 'users',
  label: 'Users',
  singular: 'user',
  permissions: { view: 'users.view', add: 'users.add', change: 'users.change', delete: 'users.delete' },
  columns: userColumns,
  list: users.list,
  count: users.count,
  detailFields: [
    { key: 'username', label: 'Username' },
    { key: 'first_name', label: 'First name' },
    { key: 'last_name', label: 'Last name' },
    { key: 'email', label: 'Email' },
    { key: 'active', label: 'Active' },
    { key: 'groups', label: 'Groups' },
    { key: 'created_at', label: 'Created' },
    { key: 'last_login_at', label: 'Last login' },
  ],
  get: async (id, context) => userRow(await context.services.users.getUser(id)),
  create: {
    form: {
      schema: NewUserSchema,
      fields: {
        username: { help: 'Letters, digits and @ . + - _ only.' },
        password: { help: 'At least 8 characters, not a common password.' },
      },
      initial: async () => ({ active: true }),
    },
    async run(values, context) {
      const user = await context.services.users.createUser(
        values as Parameters<typeof context.services.users.createUser>[0],
      );
      return { id: user.id, message: `User ${user.username} created.` };
    },
  },
  update: {
    form: {
      schema: UserFormSchema,
      fields: {
        password: { label: 'New password', help: 'Leave empty to keep the password.' },
        groups: { choices: groupChoices, permission: 'groups.change' },
      },
    },
    async run(id, values, context) {
      const { groups, ...changes } = values as { groups?: string[] } & Record<string, unknown>;
      // Through the API a user changing their own password gives the current one; a borrowed
      // admin session must not skip that here.
      if (changes.password !== undefined && context.actor.kind === 'user' && context.actor.userId === id) {
        throw new AdminFieldError('password', 'Change your own password through the API, giving the current one.');
      }
      const current = await context.services.users.getUser(id);
      // Groups first: giving is what the rules most often refuse, and then nothing has changed.
      if (groups !== undefined) await setGroups(id, current.groups, groups, context);
      const changed = Object.fromEntries(
        Object.entries(changes).filter(([key, value]) => key === 'password' || current[key as keyof User] !== value),
      );
      if (Object.keys(changed).length > 0) await context.services.users.updateUser(context.actor, id, changed);
      return { message: `User ${current.username} saved.` };
    },
  },
  async delete(id, context) {
    await context.services.users.deleteUser(context.actor, id);
    return {};
  },
  actions: [
    {
      name: 'activate',
      label: 'Activate',
      permission: 'users.change',
      confirm: 'Activate these users? They can log in again.',
      run: setActive(true),
    },
    {
      name: 'deactivate',
      label: 'Deactivate',
      permission: 'users.change',
      confirm: 'Deactivate these users? They are logged out at once and cannot log in.',
      run: setActive(false),
    },
  ],
};
