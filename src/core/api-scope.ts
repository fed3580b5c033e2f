import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SAFE_METHODS } from './http.ts';
import { HttpError } from './http-errors.ts';

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

/** What the /api/v1 scope adds: JSON bodies only, same-origin unsafe calls, no caching. */
export async function apiScope(api: FastifyInstance): Promise<void> {
  api.removeContentTypeParser('text/plain');
  api.addHook('onRequest', async (request, reply) => {
    reply.header('cache-control', 'no-store');
    assertSameOrigin(request);
  });
}
