import type { FastifyInstance } from 'fastify';
import { loginRedirect } from '../../core/pages.ts';

export async function pageRoutes(app: FastifyInstance): Promise<void> {
  app.get('/', { schema: { hide: true } }, async (request, reply) => {
    const { principal } = request;
    if (principal.kind !== 'user') return loginRedirect(request, reply);
    return reply.view('packages/public/templates/home.eta', {
      principal,
      csrfToken: reply.generateCsrf(),
      groups: await principal.groups(),
    });
  });
}
