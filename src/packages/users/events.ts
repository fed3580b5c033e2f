import { Type } from 'typebox';
import type { EventType } from '../../core/events.ts';
import type { UserFieldsRow } from './table.ts';

const UserDataSchema = Type.Object({
  id: Type.Integer(),
  username: Type.String(),
  first_name: Type.String(),
  last_name: Type.String(),
  email: Type.String(),
  active: Type.Boolean(),
});

const MembershipDataSchema = Type.Object({
  group: Type.Object({ id: Type.Integer(), name: Type.String() }),
  user: Type.Object({ id: Type.Integer(), username: Type.String() }),
});

/** The users package's outbound events; their data never holds a password or its hash. */
export const usersEventTypes: Record<string, EventType> = {
  'user.created': { description: 'A user was created', data: UserDataSchema, permission: 'users.view' },
  'user.updated': {
    description: 'A user was changed; `changed` names the fields (`password` when it was set, never its value)',
    data: Type.Object({ ...UserDataSchema.properties, changed: Type.Array(Type.String()) }),
    permission: 'users.view',
  },
  'user.deleted': {
    description: 'A user was deleted',
    data: Type.Object({ id: Type.Integer(), username: Type.String() }),
    permission: 'users.view',
  },
  'group.member_added': {
    description: 'A user joined a group',
    data: MembershipDataSchema,
    permission: 'groups.view',
  },
  'group.member_removed': {
    description: 'A user left a group',
    data: MembershipDataSchema,
    permission: 'groups.view',
  },
};

/** A user as events carry them. */
export function userData(row: UserFieldsRow) {
  return {
    id: row.id,
    username: row.username,
    first_name: row.first_name,
    last_name: row.last_name,
    email: row.email,
    active: Boolean(row.active),
  };
}
