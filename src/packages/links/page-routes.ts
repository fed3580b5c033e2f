import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { requireUser } from '../../core/auth.ts';
import { PageQuerySchema, pageOf, TextSchema } from '../../core/schemas.ts';
import { listLinks } from './service.ts';

const LinksQuerySchema = Type.Object({
  ...PageQuerySchema.properties,
  q: Type.Optional(TextSchema({ maxLength: 200 })),
});

/** The address of another page of the same search. */
function pageUrl(query: { q: string; limit: number }, offset: number): string {
  const params = new URLSearchParams();
  if (query.q !== '') params.set('q', query.q);
  params.set('limit', String(query.limit));
  if (offset > 0) params.set('offset', String(offset));
  return `/links?${params}`;
}

/** `GET /links`: the link archive, for any logged-in user; a bad query is a 400 page. */
export async function pageRoutes(instance: FastifyInstance): Promise<void> {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/links',
    { config: { permission: 'caller' }, schema: { hide: true, querystring: LinksQuerySchema } },
    async (request, reply) => {
      const principal = requireUser(request);
      const q = request.query.q?.trim() ?? '';
      const page = pageOf(request.query);
      const links = await listLinks(app.db, q, page);
      const { limit, offset } = page;
      return reply.view('packages/links/templates/links.eta', {
        principal,
        csrfToken: reply.generateCsrf(),
        q,
        links,
        // From past the end, Newer leads to the last page rather than to another empty one.
        newer: offset > 0 ? pageUrl({ q, limit }, Math.max(0, Math.min(offset, links.total) - limit)) : undefined,
        older: offset + limit < links.total ? pageUrl({ q, limit }, offset + limit) : undefined,
      });
    },
  );
}
