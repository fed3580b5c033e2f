import type { FastifyInstance } from 'fastify';
import { requireUser } from '../../core/auth.ts';

export async function pageRoutes(app: FastifyInstance): Promise<void> {
  app.get('/', { config: { permission: 'caller' }, schema: { hide: true } }, async (request, reply) => {
    const principal = requireUser(request);
    return reply.view('packages/public/templates/home.eta', {
      principal,
      csrfToken: reply.generateCsrf(),
      groups: await principal.groups(),
    });
  });
}
