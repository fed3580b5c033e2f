import { type Static, Type } from 'typebox';
import { IdSchema, PagedSchema, PageQuerySchema, TextSchema } from '../../core/schemas.ts';

const TimestampSchema = Type.String({ format: 'date-time' });

export const AuditEntrySchema = Type.Object({
  id: IdSchema,
  at: TimestampSchema,
  actor: Type.Object({
    kind: Type.Union(
      [Type.Literal('user'), Type.Literal('operator'), Type.Literal('anonymous'), Type.Literal('system')],
      {
        description:
          'operator: the CLI or the setup page; anonymous: nobody logged in (a failed login); system: the server on its own rules',
      },
    ),
    user_id: Type.Union([IdSchema, Type.Null()], { description: 'Kept after the user is deleted' }),
    username: Type.String({ description: 'The name at the time; `cli` or `setup` for the operator' }),
    token_id: Type.Union([IdSchema, Type.Null()], { description: 'The API token the user called with' }),
  }),
  address: Type.Union([Type.String(), Type.Null()], { description: 'Source address; null from the CLI' }),
  action: Type.String({ description: '`user.created`, `login.failed`, `hook.secret_rotated`, ...' }),
  target: Type.String({ description: '`user:12`, `group:admin`, `hook:github`, ...' }),
  summary: Type.Object(
    {},
    {
      additionalProperties: true,
      description: 'What changed (before/after); never a secret, token, password or hash',
    },
  ),
});

export type AuditEntry = Static<typeof AuditEntrySchema>;

export const AuditPageSchema = PagedSchema(AuditEntrySchema);

export const AuditQuerySchema = Type.Object({
  ...PageQuerySchema.properties,
  actor: Type.Optional(TextSchema({ minLength: 1, maxLength: 150, description: 'Username of the actor' })),
  action: Type.Optional(TextSchema({ minLength: 1, maxLength: 100, description: 'Exact action' })),
  target: Type.Optional(TextSchema({ minLength: 1, maxLength: 200, description: 'Exact target, e.g. user:12' })),
  since: Type.Optional({ ...TimestampSchema, description: 'Entries at or after this time (ISO 8601)' }),
  until: Type.Optional({ ...TimestampSchema, description: 'Entries at or before this time (ISO 8601)' }),
  before: Type.Optional({
    ...IdSchema,
    description: 'Keyset paging: entries older than this id (the last id of the previous page); fast at any depth',
  }),
});

export type AuditQuery = Static<typeof AuditQuerySchema>;
