import { type TSchema, Type } from 'typebox';

// Shared TypeBox pieces for every package's API schemas. Fastify's own Ajv validates them
// (coercing query and path strings to numbers), and @fastify/swagger turns them into OpenAPI.

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 200;

// Ids are PostgreSQL `integer` columns: a larger number would be a database error, not a 404.
export const MAX_ID = 2_147_483_647;

/** An id in a URL: a positive integer; anything else is refused with 400 before any query runs. */
export const IdSchema = Type.Integer({ minimum: 1, maximum: MAX_ID });

export const IdParamsSchema = Type.Object({ id: IdSchema });

/**
 * Free text stored in a varchar column. PostgreSQL refuses NUL characters with an error,
 * so they are refused here as bad input instead.
 */
export function TextSchema(options: { minLength?: number; maxLength: number; description?: string }) {
  return Type.String({ pattern: '^[^\\u0000]*$', ...options });
}

export const PageQuerySchema = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT })),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_ID, default: 0 })),
});

/** The page a validated `PageQuerySchema` query asks for, defaults filled in. */
export function pageOf(query: { limit?: number; offset?: number }): { limit: number; offset: number } {
  return { limit: query.limit ?? DEFAULT_LIMIT, offset: query.offset ?? 0 };
}

/** Every list answers `{items, total, limit, offset}`. */
export function PagedSchema<T extends TSchema>(item: T) {
  return Type.Object({
    items: Type.Array(item),
    total: Type.Integer({ minimum: 0 }),
    limit: Type.Integer({ minimum: 1, maximum: MAX_LIMIT }),
    offset: Type.Integer({ minimum: 0 }),
  });
}

/** An RFC 9457 problem, as src/core/http.ts sends every error on /api. */
export const ProblemSchema = Type.Object({
  type: Type.String(),
  title: Type.String(),
  status: Type.Integer(),
  detail: Type.Optional(Type.String()),
  code: Type.String({ description: 'Stable error code; branch on this, not on the title' }),
  instance: Type.String(),
});

// Keyed by media type, so OpenAPI documents problem+json and Fastify serializes by this schema.
const PROBLEM_RESPONSE = {
  description: 'A problem; see its `code`',
  content: { 'application/problem+json': { schema: ProblemSchema } },
};

/**
 * `response` entries for the error statuses a route can answer, all problem+json. On /api/v1 a
 * route lists its own; the scope adds those every route can answer (see api-scope.ts).
 */
export function problemResponses<S extends number>(...statuses: S[]): Record<S, typeof PROBLEM_RESPONSE> {
  return Object.fromEntries(statuses.map((status) => [status, PROBLEM_RESPONSE])) as Record<S, typeof PROBLEM_RESPONSE>;
}

export const NoContentSchema = Type.Null({ description: 'No content' });

/** OpenAPI `security` for routes that need a caller: a session cookie or a bearer token. */
export const CALLER_SECURITY: { [scheme: string]: string[] }[] = [{ session: [] }, { bearer: [] }];
