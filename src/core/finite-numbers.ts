import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from './http-errors.ts';

// How Fastify's validation errors name each part of a request.
const PARTS = { params: 'params', query: 'querystring', body: 'body' } as const;

/** Where in a parsed value a non-finite number sits (`/limit`, `/items/0`), if one does. */
function nonFinitePath(value: unknown, path = ''): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : path;
  // A raw body (a Buffer) holds bytes, not numbers, and may be large.
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) return undefined;
  for (const [key, item] of Object.entries(value)) {
    const found = nonFinitePath(item, `${path}/${key}`);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * Ajv coerces a string such as `1e309` or `Infinity` to a non-finite number, and then skips
 * `minimum` and `maximum` for it (ajv-validator/ajv#2212, fastify/fastify#6718): `?limit=1e309`
 * would pass an integer schema of 1–200 and reach the database. Once the schemas have run, a
 * non-finite number anywhere in the params, query or body is refused as the schema meant to.
 * Only routes with a schema for those parts get the check, and only for those parts: the others
 * (probes, raw hook bodies) pay nothing. Register it before any route.
 */
export function refuseNonFiniteNumbers(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    const checked = Object.entries(PARTS).filter(([, name]) => route.schema?.[name] !== undefined);
    if (checked.length === 0) return;
    const check = async (request: FastifyRequest) => {
      for (const [part, name] of checked) {
        const path = nonFinitePath(request[part as keyof typeof PARTS]);
        if (path !== undefined) throw new HttpError('validation_failed', `${name}${path} must be a finite number`);
      }
    };
    // First, as an app-wide preHandler hook would run: before the route's own.
    route.preHandler = [check, ...(route.preHandler === undefined ? [] : [route.preHandler].flat())];
  });
}
