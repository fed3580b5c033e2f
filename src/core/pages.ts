import type { FastifyReply, FastifyRequest } from 'fastify';

/** A `next=` target is followed only when it is a path on this site, never another host. */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || !next.startsWith('/') || next.startsWith('//') || next.includes('\\')) return '/';
  return next;
}

/** Sends an anonymous visitor to the login page, remembering where they were going. */
export function loginRedirect(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return reply.redirect(`/user/login?next=${encodeURIComponent(safeNext(request.url))}`, 303);
}
