import { type Static, Type } from 'typebox';
import { IdSchema, PagedSchema, TextSchema } from '../../core/schemas.ts';

// Field limits follow the column sizes in migrations/, so nothing valid here fails in the database.

/** Django's username rule: 1 to 150 letters, digits and @ . + - _ */
export const UsernameSchema = Type.String({ minLength: 1, maxLength: 150, pattern: '^[\\p{L}\\p{M}\\p{N}_.@+-]+$' });

// No minimum length here: the service refuses short passwords with the `weak_password` code.
// The maximum keeps a single request from making the hasher chew on megabytes.
export const PasswordSchema = Type.String({ maxLength: 1024 });

const NameSchema = TextSchema({ maxLength: 150 });

// Empty means "no email", as in Django.
const EmailSchema = Type.Union([Type.Literal(''), Type.String({ format: 'email', maxLength: 254 })]);

export const UserSchema = Type.Object({
  id: IdSchema,
  username: Type.String(),
  first_name: Type.String(),
  last_name: Type.String(),
  email: Type.String(),
  active: Type.Boolean(),
  groups: Type.Array(Type.String(), { description: 'Names of the groups the user belongs to' }),
  created_at: Type.String({ format: 'date-time' }),
  last_login_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

/** A user as the API shows it; never carries the password hash. */
export type User = Static<typeof UserSchema>;

export const UserPageSchema = PagedSchema(UserSchema);

// Login takes any string a stored username could be (the CLI is less strict than the API),
// so a malformed name is just a failed login, answered like every other one.
export const CredentialsSchema = Type.Object({
  username: TextSchema({ maxLength: 150 }),
  password: PasswordSchema,
});

export const NewUserSchema = Type.Object(
  {
    username: UsernameSchema,
    password: PasswordSchema,
    first_name: Type.Optional(NameSchema),
    last_name: Type.Optional(NameSchema),
    email: Type.Optional(EmailSchema),
    active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export type NewUser = Static<typeof NewUserSchema>;

export const UserChangesSchema = Type.Object(
  {
    first_name: Type.Optional(NameSchema),
    last_name: Type.Optional(NameSchema),
    email: Type.Optional(EmailSchema),
    active: Type.Optional(Type.Boolean({ description: 'Only holders of users.change may set this' })),
    password: Type.Optional(PasswordSchema),
    current_password: Type.Optional(
      Type.String({ maxLength: 1024, description: 'Required to change your own password' }),
    ),
  },
  { additionalProperties: false },
);

export type UserChangesBody = Static<typeof UserChangesSchema>;

/** What the service changes: the body less `current_password`, which only the route checks. */
export type UserChanges = Omit<UserChangesBody, 'current_password'>;

export const GroupSchema = Type.Object({
  id: IdSchema,
  name: Type.String(),
  description: Type.String(),
});

export type Group = Static<typeof GroupSchema>;

export const GroupPageSchema = PagedSchema(GroupSchema);

const GroupNameSchema = TextSchema({ minLength: 1, maxLength: 150 });
const GroupDescriptionSchema = TextSchema({ maxLength: 500 });

export const NewGroupSchema = Type.Object(
  { name: GroupNameSchema, description: Type.Optional(GroupDescriptionSchema) },
  { additionalProperties: false },
);

export type NewGroup = Static<typeof NewGroupSchema>;

export const GroupChangesSchema = Type.Object(
  { name: Type.Optional(GroupNameSchema), description: Type.Optional(GroupDescriptionSchema) },
  { additionalProperties: false },
);

export type GroupChanges = Static<typeof GroupChangesSchema>;

export const MemberParamsSchema = Type.Object({ id: IdSchema, userId: IdSchema });

export const PermissionSchema = Type.Object({
  codename: Type.String({ description: '`package.action`' }),
  description: Type.String(),
});

export const PermissionPageSchema = PagedSchema(PermissionSchema);

export const CodenamePageSchema = PagedSchema(Type.String({ description: 'A permission codename' }));

export const GrantParamsSchema = Type.Object({ id: IdSchema, codename: TextSchema({ maxLength: 100 }) });
