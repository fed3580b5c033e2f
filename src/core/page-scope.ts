import type csrf from '@fastify/csrf-protection';
import type formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { requirePermission } from './auth.ts';
import { CSRF_SECRET_KEY, type CsrfSecretStore, csrfSecretStore } from './csrf-cookie.ts';
import { SAFE_METHODS } from './http.ts';
import { loginRedirect } from './pages.ts';
import { CALLER, declaredPermission, guardFirst } from './route-access.ts';

/** Anonymous visitors go to the login page and come back; users without the permission get a 403 page. */
function pageGuard(permission: string) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    if (request.principal.kind !== 'user') return loginRedirect(request, reply);
    if (permission !== CALLER) await requirePermission(request, permission);
  };
}

/** Guards a page with the permission it declares (see route-access.ts), before its query or form is read. */
function guardPage(route: RouteOptions, permissions: ReadonlyMap<string, string>): void {
  const permission = declaredPermission(route, 'page', permissions);
  if (permission !== undefined) guardFirst(route, pageGuard(permission));
}

/**
 * What the HTML scope adds: every page declares who may see it (`config.permission` or
 * `config.public`) and is guarded before its input is read; urlencoded forms; and a CSRF token
 * (double-submit, the secret in a signed HttpOnly cookie, `__Host-` over HTTPS: see
 * csrf-cookie.ts) required on every unsafe request. Templates put `reply.generateCsrf()` in a
 * hidden `_csrf` field. Pages are per-user, so nothing is cached.
 */
export async function pageScope(
  pages: FastifyInstance,
  plugins: { formbody: typeof formbody; csrf: typeof csrf },
): Promise<void> {
  pages.addHook('onRoute', (route) => guardPage(route, pages.permissions));
  await pages.register(plugins.formbody);
  await pages.register(plugins.csrf, { sessionPlugin: '@fastify/session', sessionKey: CSRF_SECRET_KEY });
  pages.decorateRequest('session', null as unknown as CsrfSecretStore);
  pages.addHook('onRequest', (request, reply, done) => {
    request.session = csrfSecretStore(request, reply);
    reply.header('cache-control', 'no-store');
    done();
  });
  // The token travels in the form body, which is parsed only after onRequest; preValidation
  // still runs before the schema, so a forged post is a 403 before anything else looks at it.
  pages.addHook('preValidation', (request, reply, done) => {
    if (SAFE_METHODS.has(request.method)) return done();
    pages.csrfProtection(request, reply, done);
  });
}
