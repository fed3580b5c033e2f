import type { FastifyInstance } from 'fastify';
import { logOut } from '../session-cookie.ts';

/**
 * Logging out takes a POST with a CSRF token: a GET that logged out could be triggered by any
 * page embedding an image of it. GET only shows the confirmation form.
 */
export async function logoutPage(app: FastifyInstance): Promise<void> {
  app.get('/user/logout', { config: { public: true }, schema: { hide: true } }, async (request, reply) => {
    if (request.principal.kind !== 'user') return reply.redirect('/user/login', 303);
    return reply.view('packages/users/templates/logout.eta', {
      principal: request.principal,
      csrfToken: reply.generateCsrf(),
    });
  });

  app.post('/user/logout', { config: { public: true }, schema: { hide: true } }, async (request, reply) => {
    await logOut(request, reply);
    return reply.redirect('/user/login', 303);
  });
}
