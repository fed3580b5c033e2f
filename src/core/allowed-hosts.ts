import type { FastifyInstance } from 'fastify';
import { HttpError } from './http-errors.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Answered whatever host the request names: probes, which load balancers call by address. */
    anyHost?: boolean;
  }
}

// Django's host_validation_re: a name or IPv4 address, or an IPv6 literal in brackets, then a port.
const HOST = /^([a-z0-9.-]+|\[[a-f0-9]*:[a-f0-9.:]+\])(:\d+)?$/;

/**
 * Whether a Host value names an allowed host, as Django's validate_host decides: case and port
 * ignored, as is a trailing dot; `*` allows any well-formed host, `.example.com` allows
 * example.com and its subdomains, anything else only itself. A malformed host is never allowed.
 */
export function hostAllowed(host: string, patterns: readonly string[]): boolean {
  const match = HOST.exec(host.toLowerCase());
  if (match === null) return false;
  const name = match[1].replace(/\.$/, '');
  return patterns.some(
    (pattern) =>
      pattern === '*' ||
      pattern === name ||
      (pattern.startsWith('.') && (name.endsWith(pattern) || name === pattern.slice(1))),
  );
}

/**
 * Refuses a request naming a host not in ENDPOINT_ALLOWED_HOSTS (its Host header, or
 * X-Forwarded-Host from a trusted proxy) before anything reads a cookie or builds a URL from it:
 * Twilio's signed URL, the same-origin check and any link would otherwise trust whatever host the
 * caller claims. Routes marked `anyHost` (the probes) are exempt.
 */
export async function allowedHosts(app: FastifyInstance): Promise<void> {
  const patterns = app.config.allowedHosts;
  app.addHook('onRequest', (request, _reply, done) => {
    if (request.routeOptions.config?.anyHost || hostAllowed(request.host, patterns)) return done();
    request.log.warn({ host: request.host }, 'request for a host not in ENDPOINT_ALLOWED_HOSTS refused');
    done(new HttpError('host_not_allowed'));
  });
}
