import { Type } from 'typebox';
import { IdSchema, PagedSchema, PageQuerySchema } from '../../core/schemas.ts';

const TimestampSchema = Type.String({ format: 'date-time' });
const NullableTimestampSchema = Type.Union([TimestampSchema, Type.Null()]);

export const HookSchema = Type.Object({
  id: IdSchema,
  name: Type.String(),
  handler: Type.String(),
  verify: Type.Union([
    Type.Literal('standard'),
    Type.Literal('github'),
    Type.Literal('twilio'),
    Type.Literal('stripe'),
  ]),
  legacy_path: Type.Union([Type.String(), Type.Null()], { description: 'An extra path the hook answers at' }),
  created_at: TimestampSchema,
});

export const HookPageSchema = PagedSchema(HookSchema);

export const HookNameParamsSchema = Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }) });

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

export const DeliveryPageSchema = PagedSchema(DeliverySchema);

export const DeliveryDetailSchema = Type.Object({
  ...DeliverySchema.properties,
  headers: Type.Record(Type.String(), Type.String(), {
    description: 'The request headers kept; never credentials or signatures',
  }),
  body: Type.String({ description: 'The raw body, as text when it is UTF-8, else base64' }),
  body_encoding: Type.Union([Type.Literal('utf8'), Type.Literal('base64')]),
});
