import type { FastifyInstance, FastifyRequest, FastifySchema, RouteOptions } from 'fastify';
import { SAFE_METHODS } from './http.ts';
import { HttpError } from './http-errors.ts';
import { CALLER, declaredPermission, guardFirst, permissionCheck } from './route-access.ts';
import { CALLER_SECURITY, problemResponses } from './schemas.ts';

/**
 * Cookie-authenticated API calls must not be forgeable from another site. Bodies are JSON
 * only (a cross-site form cannot send JSON without a CORS preflight, which we never grant),
 * and a browser's Origin or Sec-Fetch-Site header must say the call comes from this site.
 * Clients that send neither header (curl, servers) are not browsers. A call authenticated by a
 * bearer token is not forgeable either: a browser never attaches one on its own, as it does a cookie.
 */
function assertSameOrigin(request: FastifyRequest): void {
  if (SAFE_METHODS.has(request.method)) return;
  if (request.principal.kind === 'user' && request.principal.via === 'token') return;
  const fetchSite = request.headers['sec-fetch-site'];
  if (fetchSite && fetchSite !== 'same-origin' && fetchSite !== 'none') {
    throw new HttpError('csrf_failed', 'cross-site request refused');
  }
  const origin = request.headers.origin;
  if (origin && origin !== `${request.protocol}://${request.host}`) {
    throw new HttpError('csrf_failed', 'origin does not match this site');
  }
}

/**
 * The problem statuses an /api/v1 route can answer whatever it does itself: 401 for a bad bearer
 * token, on any route; 400 and 414 for a malformed or over-long path parameter; 400 for a query
 * or body its schema refuses; 400, 403, 413 and 415 for a bad, cross-site, oversized or non-JSON
 * body, on every method that takes one.
 */
function scopeProblemStatuses(method: string, url: string, schema: FastifySchema): number[] {
  const statuses = new Set([401]);
  if (url.includes(':')) statuses.add(400).add(414);
  if (schema.querystring || schema.body) statuses.add(400);
  if (!SAFE_METHODS.has(method)) statuses.add(400).add(403).add(413).add(415);
  return [...statuses];
}

/** Adds the scope's statuses to a route's documented responses, so OpenAPI lists all it answers. */
function documentScopeProblems(route: RouteOptions): void {
  const { schema } = route;
  if (!schema || schema.hide) return;
  const methods = [route.method].flat();
  const statuses = methods.flatMap((method) => scopeProblemStatuses(method, route.url, schema));
  route.schema = { ...schema, response: { ...problemResponses(...statuses), ...(schema.response as object) } };
}

/**
 * Guards a route with the permission it declares (see route-access.ts) and documents it: the
 * callers it needs, `x-permission`, and the 403 for those who lack it.
 */
function guardRoute(route: RouteOptions, permissions: ReadonlyMap<string, string>): void {
  const permission = declaredPermission(route, '/api', permissions);
  if (permission === undefined) return;
  guardFirst(route, permissionCheck(permission));
  const schema = route.schema ?? {};
  if (permission === CALLER) {
    route.schema = { security: CALLER_SECURITY, ...schema };
    return;
  }
  route.schema = {
    security: CALLER_SECURITY,
    ...schema,
    'x-permission': permission,
    response: { ...problemResponses(403), ...(schema.response as object) },
  };
}

/**
 * What the /api/v1 scope adds: every route declares who may call it and is guarded before its
 * input is read; JSON bodies only, same-origin unsafe calls, no caching.
 */
export async function apiScope(api: FastifyInstance): Promise<void> {
  api.addHook('onRoute', (route) => {
    guardRoute(route, api.permissions);
    documentScopeProblems(route);
  });
  api.removeContentTypeParser('text/plain');
  api.addHook('onRequest', async (request, reply) => {
    reply.header('cache-control', 'no-store');
    assertSameOrigin(request);
  });
}
