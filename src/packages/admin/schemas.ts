import { Type } from 'typebox';
import { IdSchema, TextSchema } from '../../core/schemas.ts';

const NameSchema = Type.String({ pattern: '^[a-z][a-z0-9-]*$', maxLength: 64 });

export const ModelParamsSchema = Type.Object({ pkg: NameSchema, model: NameSchema });

export const RowParamsSchema = Type.Object({ pkg: NameSchema, model: NameSchema, id: IdSchema });

const CursorSchema = Type.String({ pattern: '^[A-Za-z0-9_-]*$', maxLength: 400 });

// Filters arrive as f_<column>; they are checked against the column's choices by the page.
export const ListQuerySchema = Type.Object(
  {
    q: Type.Optional(TextSchema({ maxLength: 200 })),
    sort: Type.Optional(NameSchema),
    dir: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')])),
    after: Type.Optional(CursorSchema),
    before: Type.Optional(CursorSchema),
  },
  { additionalProperties: Type.String({ maxLength: 200 }) },
);

// One id or several: Fastify's Ajv turns a single `ids=5` into a list.
const IdsSchema = Type.Array(IdSchema, { minItems: 1, maxItems: 200 });

const BackSchema = Type.Union([Type.Literal('list'), Type.Literal('row')]);

export const ActionQuerySchema = Type.Object({
  action: NameSchema,
  ids: Type.Optional(IdsSchema),
  back: Type.Optional(BackSchema),
});

export const ActionBodySchema = Type.Object({
  action: NameSchema,
  ids: IdsSchema,
  back: Type.Optional(BackSchema),
  _csrf: Type.Optional(Type.String()),
});

// A form's fields are the model's; the page reads them against the model's own schema.
export const FormBodySchema = Type.Record(
  Type.String({ maxLength: 100 }),
  Type.Union([Type.String({ maxLength: 10_000 }), Type.Array(Type.String({ maxLength: 200 }), { maxItems: 500 })]),
);
