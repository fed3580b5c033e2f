import { Type } from 'typebox';
import { type AdminContext, AdminFieldError, type AdminModel, type AdminRow } from '../../core/admin.ts';
import { tableList } from '../../core/admin-list.ts';
import { UserNotFoundError } from './errors.ts';
import { GroupChangesSchema, NewGroupSchema, UsernameSchema } from './schemas.ts';

// The admin's group form: the API's changes and the group's permissions as a checklist.
const GroupFormSchema = Type.Object(
  {
    ...GroupChangesSchema.properties,
    permissions: Type.Optional(Type.Array(Type.String({ maxLength: 100 }), { maxItems: 500 })),
    add_member: Type.Optional(UsernameSchema),
  },
  { additionalProperties: false },
);

const columns = [
  { key: 'name', label: 'Name', sortable: true, searchable: true },
  { key: 'description', label: 'Description', searchable: true },
];

const groups = tableList({ table: 'groups', columns });

async function permissionChoices(context: AdminContext) {
  return [...context.services.users.permissions].map(([codename, description]) => ({
    value: codename,
    label: `${codename}: ${description}`,
  }));
}

/**
 * Grants and revocations as the form ticks them, one by one through the service, so the rule
 * that nobody gives more than they hold applies to each; grants first, so a refused one leaves
 * everything else as it was.
 */
async function setPermissions(groupId: number, wanted: string[], context: AdminContext): Promise<void> {
  const { users } = context.services;
  const current = await users.groupPermissions(groupId);
  for (const codename of wanted) if (!current.includes(codename)) await users.grant(context.actor, groupId, codename);
  for (const codename of current) if (!wanted.includes(codename)) await users.revoke(groupId, codename);
}

async function addMember(groupId: number, username: string, context: AdminContext): Promise<void> {
  const { users } = context.services;
  try {
    await users.addMember(context.actor, groupId, (await users.getUserByUsername(username)).id);
  } catch (error) {
    if (error instanceof UserNotFoundError)
      throw new AdminFieldError('add_member', `There is no user named ${username}.`);
    throw error;
  }
}

export const groupAdmin: AdminModel = {
  name: 'groups',
  label: 'Groups',
  singular: 'group',
  permissions: { view: 'groups.view', add: 'groups.add', change: 'groups.change', delete: 'groups.delete' },
  columns,
  defaultSort: { key: 'name', direction: 'asc' },
  list: groups.list,
  count: groups.count,
  async get(id, context): Promise<AdminRow> {
    const { users } = context.services;
    const [group, permissions] = await Promise.all([users.getGroup(id), users.groupPermissions(id)]);
    return { ...group, permissions };
  },
  detailFields: [
    { key: 'name', label: 'Name' },
    { key: 'description', label: 'Description' },
    { key: 'permissions', label: 'Permissions' },
  ],
  async detailSections(row, context) {
    const members = await context.services.users.listMembers(row.id, { limit: 200, offset: 0 });
    const shown = members.total > members.items.length ? ` (the first ${members.items.length})` : '';
    return [
      {
        title: `Members: ${members.total}${shown}`,
        table: {
          columns: ['Username', 'Active'],
          rows: members.items.map((user) => [
            { text: user.username, href: `/admin/users/users/${user.id}` },
            { text: user.active ? 'yes' : 'no' },
          ]),
          empty: 'No members yet.',
        },
      },
    ];
  },
  create: {
    form: { schema: NewGroupSchema },
    async run(values, context) {
      const group = await context.services.users.createGroup(context.actor, values as { name: string });
      return { id: group.id, message: `Group ${group.name} created.` };
    },
  },
  update: {
    form: {
      schema: GroupFormSchema,
      fields: {
        permissions: { choices: permissionChoices },
        add_member: { label: 'Add a member', help: 'A username; members leave the group from their own page.' },
      },
      initial: async (id, context) => {
        const { users } = context.services;
        const [group, permissions] = await Promise.all([users.getGroup(id ?? 0), users.groupPermissions(id ?? 0)]);
        return { ...group, permissions };
      },
    },
    async run(id, values, context) {
      const {
        permissions,
        add_member: member,
        ...changes
      } = values as {
        permissions?: string[];
        add_member?: string;
        name?: string;
        description?: string;
      };
      // What gives first, each checked by the service: a refused one leaves the rest unchanged.
      if (member !== undefined) await addMember(id, member, context);
      if (permissions !== undefined) await setPermissions(id, permissions, context);
      const group = await context.services.users.updateGroup(context.actor, id, changes);
      return { message: `Group ${group.name} saved.` };
    },
  },
  async delete(id, context) {
    await context.services.users.deleteGroup(context.actor, id);
    return {};
  },
};
