import { type Static, Type } from 'typebox';
import { IdSchema, PagedSchema, PageQuerySchema, TextSchema } from '../../core/schemas.ts';
import { VERIFY_MODES, type VerifyMode } from './verify/registry.ts';

// Field limits follow the column sizes in migrations/; the service checks the finer rules (name
// and path shapes, known handlers, secret formats) so the API and the CLI refuse alike.

const TimestampSchema = Type.String({ format: 'date-time' });
const NullableTimestampSchema = Type.Union([TimestampSchema, Type.Null()]);

// The modes are the registry's; Unsafe only gives the union its static type, which TypeBox
// cannot infer from a list built at run time (the JSON Schema is the same anyOf of constants).
const VerifyModeSchema = Type.Unsafe<VerifyMode>(
  Type.Union(
    VERIFY_MODES.map((mode) => Type.Literal(mode)),
    { description: 'How calls are verified: an API token with hooks.call (no secret), or the sender’s signature' },
  ),
);

const HandlerNameSchema = TextSchema({ minLength: 1, maxLength: 100, description: 'What runs on each delivery' });

const SecretSchema = TextSchema({
  minLength: 1,
  maxLength: 1000,
  description:
    'The signing secret (for twilio, the auth token; none for token); generated when absent where the mode allows',
});

const LegacyPathSchema = TextSchema({
  minLength: 2,
  maxLength: 200,
  description: 'An extra path the hook also answers at, such as /twilio/sms',
});

export const HookSchema = Type.Object({
  id: IdSchema,
  name: Type.String(),
  handler: Type.String(),
  verify: VerifyModeSchema,
  legacy_path: Type.Union([Type.String(), Type.Null()], { description: 'An extra path the hook answers at' }),
  created_at: TimestampSchema,
});

export type Hook = Static<typeof HookSchema>;

export const HookPageSchema = PagedSchema(HookSchema);

export const NewHookSchema = Type.Object(
  {
    name: TextSchema({ minLength: 1, maxLength: 100, description: 'The last part of the URL: POST /hooks/<name>' }),
    handler: HandlerNameSchema,
    verify: VerifyModeSchema,
    secret: Type.Optional(SecretSchema),
    path: Type.Optional(LegacyPathSchema),
  },
  { additionalProperties: false },
);

/** A hook with its secret when one was generated: the only answer that ever carries a secret. */
export const HookWithSecretSchema = Type.Object({
  ...HookSchema.properties,
  secret: Type.Optional(Type.String({ description: 'The generated secret, present only when generated: shown once' })),
});

export const SecretRotationSchema = Type.Object(
  {
    secret: Type.Optional(SecretSchema),
    overlap: Type.Optional(
      Type.String({
        pattern: '^[0-9]{1,7}[smhd]$',
        description: 'How long the replaced secrets keep verifying: 24h by default, at most 30d; 0s drops them now',
      }),
    ),
  },
  { additionalProperties: false },
);

export type SecretRotation = Static<typeof SecretRotationSchema>;

export const RotatedHookSchema = Type.Object({
  ...HookWithSecretSchema.properties,
  previous_secret_expires_at: Type.Union([TimestampSchema, Type.Null()], {
    description: 'When the replaced secrets stop verifying; null when they stopped at once',
  }),
});

export const HookChangesSchema = Type.Object(
  {
    handler: Type.Optional(HandlerNameSchema),
    path: Type.Optional(Type.Union([LegacyPathSchema, Type.Null()], { description: 'null removes the legacy path' })),
    verify: Type.Optional(VerifyModeSchema),
    secret: Type.Optional(
      TextSchema({
        minLength: 1,
        maxLength: 1000,
        description: 'Only with a new verify mode: its secret, generated when absent where the mode allows',
      }),
    ),
  },
  { additionalProperties: false },
);

export const HookNameParamsSchema = Type.Object({ name: TextSchema({ minLength: 1, maxLength: 100 }) });

const StatusSchema = Type.Union([
  Type.Literal('pending'),
  Type.Literal('processing'),
  Type.Literal('done'),
  Type.Literal('failed'),
]);

export const DeliveryQuerySchema = Type.Object({ ...PageQuerySchema.properties, status: Type.Optional(StatusSchema) });

export const DeliverySchema = Type.Object({
  id: IdSchema,
  hook: Type.String({ description: 'The name of the hook it was sent to' }),
  external_id: Type.String({ description: "The sender's id for it (webhook-id, X-GitHub-Delivery, MessageSid...)" }),
  status: StatusSchema,
  attempts: Type.Integer({ minimum: 0 }),
  received_at: TimestampSchema,
  processed_at: NullableTimestampSchema,
  content_type: Type.String(),
  sender_ip: Type.String(),
  last_error: Type.Union([Type.String(), Type.Null()]),
});

export type Delivery = Static<typeof DeliverySchema>;

export const DeliveryPageSchema = PagedSchema(DeliverySchema);

/** One run of a delivery's handler. */
const AttemptSchema = Type.Object({
  attempt: Type.Integer({ minimum: 1, description: "The delivery's attempt count at this run: 1 for the first" }),
  started_at: TimestampSchema,
  finished_at: TimestampSchema,
  outcome: Type.Union([Type.Literal('ok'), Type.Literal('error')]),
  error: Type.Union([Type.String(), Type.Null()]),
});

export type Attempt = Static<typeof AttemptSchema>;

export const DeliveryDetailSchema = Type.Object({
  ...DeliverySchema.properties,
  headers: Type.Record(Type.String(), Type.String(), {
    description: 'The request headers kept; never credentials or signatures',
  }),
  body: Type.String({ description: 'The raw body, as text when it is UTF-8, else base64' }),
  body_encoding: Type.Union([Type.Literal('utf8'), Type.Literal('base64')]),
  attempt_log: Type.Array(AttemptSchema, {
    description: 'Every run of its handler, oldest first; a replay numbers from 1 again',
  }),
});

export type DeliveryDetail = Static<typeof DeliveryDetailSchema>;
