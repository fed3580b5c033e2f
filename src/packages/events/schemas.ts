import { type Static, Type } from 'typebox';
import { IdSchema, PagedSchema, TextSchema } from '../../core/schemas.ts';

const TimestampSchema = Type.String({ format: 'date-time' });

const EventTypeNameSchema = Type.String({
  minLength: 1,
  maxLength: 100,
  pattern: '^(\\*|[a-z][a-z0-9_.]*)$',
  description: 'An event type (`user.created`), or `*` for every type',
});

const EventTypesSchema = Type.Array(EventTypeNameSchema, {
  minItems: 1,
  maxItems: 100,
  uniqueItems: true,
  description: 'Types to receive, or `["*"]` for every type',
});

const UrlSchema = TextSchema({
  minLength: 1,
  maxLength: 2000,
  description:
    'Where messages are POSTed: https, resolving to public addresses (plain http only inside ENDPOINT_EVENTS_ALLOWED_NETWORKS)',
});

const DescriptionSchema = TextSchema({ maxLength: 500, description: 'What the subscription is for' });

export const SubscriptionSchema = Type.Object({
  id: IdSchema,
  url: Type.String(),
  description: Type.String(),
  event_types: Type.Array(Type.String()),
  enabled: Type.Boolean(),
  disabled_reason: Type.Union([Type.String(), Type.Null()], {
    description: '`gone` (the receiver answered 410), `failing` (every attempt failed for 5 days), `by hand`',
  }),
  failing_since: Type.Union([TimestampSchema, Type.Null()], {
    description: 'The first failed attempt since the last success; null while the receiver answers',
  }),
  created_at: TimestampSchema,
  updated_at: TimestampSchema,
});

export type Subscription = Static<typeof SubscriptionSchema>;

export const NewSubscriptionSchema = Type.Object(
  { url: UrlSchema, event_types: EventTypesSchema, description: Type.Optional(DescriptionSchema) },
  { additionalProperties: false },
);

export type NewSubscription = Static<typeof NewSubscriptionSchema>;

export const SubscriptionChangesSchema = Type.Object(
  {
    url: Type.Optional(UrlSchema),
    event_types: Type.Optional(EventTypesSchema),
    description: Type.Optional(DescriptionSchema),
    enabled: Type.Optional(Type.Boolean({ description: 'false stops sending; true resumes, failures forgotten' })),
  },
  { additionalProperties: false, minProperties: 1 },
);

export type SubscriptionChanges = Static<typeof SubscriptionChangesSchema>;

export const SubscriptionWithSecretSchema = Type.Object({
  ...SubscriptionSchema.properties,
  secret: Type.String({ description: 'The `whsec_` signing secret, shown this once' }),
});

export const SecretRotationSchema = Type.Object(
  {
    overlap: Type.Optional(
      Type.String({
        pattern: '^[0-9]{1,7}[smhd]$',
        description:
          'How long the replaced secret keeps signing beside the new one: 24h by default, at most 30d; 0s for none',
      }),
    ),
  },
  { additionalProperties: false },
);

export type SecretRotation = Static<typeof SecretRotationSchema>;

export const RotatedSubscriptionSchema = Type.Object({
  ...SubscriptionWithSecretSchema.properties,
  previous_secret_expires_at: Type.Union([TimestampSchema, Type.Null()], {
    description: 'When the replaced secret stops signing; null when it stopped at once',
  }),
});

export const AttemptSchema = Type.Object({
  attempt: Type.Integer({ minimum: 1 }),
  started_at: TimestampSchema,
  duration_ms: Type.Integer({ minimum: 0 }),
  status_code: Type.Union([Type.Integer(), Type.Null()], { description: 'null when no answer came' }),
  error: Type.Union([Type.String(), Type.Null()]),
  response_body: Type.Union([Type.String(), Type.Null()], { description: 'The start of the answer (4 KiB at most)' }),
});

export const MessageSchema = Type.Object({
  id: IdSchema,
  subscription_id: IdSchema,
  webhook_id: Type.String({ description: 'The `webhook-id` header: the same on every attempt and resend' }),
  event_type: Type.String(),
  status: Type.Union([
    Type.Literal('pending'),
    Type.Literal('processing'),
    Type.Literal('delivered'),
    Type.Literal('failed'),
  ]),
  attempts: Type.Integer({ minimum: 0 }),
  next_attempt_at: TimestampSchema,
  created_at: TimestampSchema,
  delivered_at: Type.Union([TimestampSchema, Type.Null()]),
  last_error: Type.Union([Type.String(), Type.Null()]),
  body: Type.Union([Type.String(), Type.Null()], {
    description: 'The body as sent; null unless you hold the permission its event type needs',
  }),
  attempt_log: Type.Array(AttemptSchema),
});

export type Message = Static<typeof MessageSchema>;

export const SubscriptionPageSchema = PagedSchema(SubscriptionSchema);
export const MessagePageSchema = PagedSchema(MessageSchema);

export const EventTypeInfoSchema = Type.Object({
  name: Type.String(),
  description: Type.String(),
  permission: Type.Union([Type.String(), Type.Null()], { description: 'Needed to subscribe to it' }),
});

export const EventTypeListSchema = Type.Object({ items: Type.Array(EventTypeInfoSchema) });
