import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * The name a cookie takes on this request: `__Host-<name>` over HTTPS, which browsers accept only
 * with Secure, Path=/ and no Domain, so no subdomain can plant or overwrite it; plain `<name>`
 * over HTTP, which cannot carry a __Host- cookie at all. Reading only this name is the point: a
 * plain-named cookie planted from a subdomain never counts over HTTPS.
 */
export function hostCookieName(request: FastifyRequest, name: string): string {
  return request.protocol === 'https' ? `__Host-${name}` : name;
}

/** Clears a cookie under both its names: a plain one may linger from before HTTPS, or have been planted. */
export function clearHostCookie(request: FastifyRequest, reply: FastifyReply, name: string): void {
  reply.clearCookie(name, { path: '/', secure: request.protocol === 'https' });
  reply.clearCookie(`__Host-${name}`, { path: '/', secure: true });
}
