import type csrf from '@fastify/csrf-protection';
import type formbody from '@fastify/formbody';
import type { FastifyInstance } from 'fastify';
import { CSRF_SECRET_KEY, type CsrfSecretStore, csrfSecretStore } from './csrf-cookie.ts';
import { SAFE_METHODS } from './http.ts';

/**
 * What the HTML scope adds: urlencoded forms, and a CSRF token (double-submit, the secret in a
 * signed HttpOnly cookie, `__Host-` over HTTPS: see csrf-cookie.ts) required on every unsafe request. Templates put `reply.generateCsrf()`
 * in a hidden `_csrf` field. Pages are per-user, so nothing is cached.
 */
export async function pageScope(
  pages: FastifyInstance,
  plugins: { formbody: typeof formbody; csrf: typeof csrf },
): Promise<void> {
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
