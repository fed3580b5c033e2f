import { type Static, Type } from 'typebox';
import { IdSchema, PagedSchema, PageQuerySchema, TextSchema } from '../../core/schemas.ts';

// Field limits follow the column sizes in migrations/, so nothing valid here fails in the database.

const ScopesSchema = Type.Array(TextSchema({ minLength: 1, maxLength: 100, description: 'A permission codename' }), {
  maxItems: 200,
  description:
    'Permission codenames the token may use; the owner must hold each. Without any, the token only identifies its owner.',
});

const TimestampSchema = Type.String({ format: 'date-time' });
const MaybeTimestampSchema = Type.Union([TimestampSchema, Type.Null()]);

export const NewTokenSchema = Type.Object(
  {
    name: TextSchema({ minLength: 1, maxLength: 100, description: 'What the token is for' }),
    scopes: Type.Optional(ScopesSchema),
    expires_in: Type.Optional(
      Type.String({
        pattern: '^[0-9]{1,7}[smhd]$',
        description: 'Lifetime such as 30m, 12h or 90d (at most 3650d); without it the token never expires',
      }),
    ),
  },
  { additionalProperties: false },
);

export const CreatedTokenSchema = Type.Object({
  id: IdSchema,
  name: Type.String(),
  prefix: Type.String({ description: 'The first characters of the token, as listings show it' }),
  scopes: Type.Array(Type.String()),
  created_at: TimestampSchema,
  expires_at: MaybeTimestampSchema,
  token: Type.String({ description: 'The token itself: shown in this answer only, never again' }),
});

/** A token just made: the one answer that carries the token itself. */
export type CreatedToken = Static<typeof CreatedTokenSchema>;

export const TokenSchema = Type.Object({
  id: IdSchema,
  user_id: IdSchema,
  username: Type.String({ description: 'The owner' }),
  name: Type.String(),
  prefix: Type.String({ description: 'The first characters of the token' }),
  scopes: Type.Array(Type.String()),
  created_at: TimestampSchema,
  expires_at: MaybeTimestampSchema,
  last_used_at: Type.Union([TimestampSchema, Type.Null()], { description: 'Updated at most once a minute' }),
});

/** A token as lists show it: never the token, never its hash. */
export type ApiToken = Static<typeof TokenSchema>;

export const TokenPageSchema = PagedSchema(TokenSchema);

export const TokenQuerySchema = Type.Object({
  ...PageQuerySchema.properties,
  user_id: Type.Optional({ ...IdSchema, description: "Only this user's tokens (tokens.view for another user's)" }),
});
