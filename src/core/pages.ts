import type { FastifyReply, FastifyRequest } from 'fastify';
import { safeNextPath } from './safe-next-path.ts';

/** Sends an anonymous visitor to the login page, remembering where they were going. */
export function loginRedirect(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return reply.redirect(`/user/login?next=${encodeURIComponent(safeNextPath(request.url))}`, 303);
}
