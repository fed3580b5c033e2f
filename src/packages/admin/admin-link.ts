import type { FastifyInstance } from 'fastify';
import { wantsProblemJson } from '../../core/http.ts';

declare module 'fastify' {
  interface FastifyReply {
    /** What @fastify/view adds to every template's data on this reply. */
    locals?: Record<string, unknown>;
  }
}

/**
 * Tells the site layout to link to /admin for holders of admin.access. Only for pages (GET, not
 * /api or /hooks, not static files), so programs and stylesheets pay nothing for it.
 */
export async function adminLink(app: FastifyInstance): Promise<void> {
  app.addHook('preHandler', async (request, reply) => {
    const { principal } = request;
    if (principal.kind !== 'user' || request.method !== 'GET' || wantsProblemJson(request.url)) return;
    // Pages declare who may see them; static files and framework routes declare nothing.
    const { permission, public: isPublic } = request.routeOptions.config ?? {};
    if (permission === undefined && isPublic !== true) return;
    if (await principal.can('admin.access')) reply.locals = { ...reply.locals, adminLink: true };
  });
}
