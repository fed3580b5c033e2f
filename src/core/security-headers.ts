import type { FastifyInstance } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';

// Helmet itself rather than @fastify/helmet: that plugin builds helmet's middleware (parsing every
// CSP directive) anew on every request, 10% of a probe's CPU. Nothing here varies by request (no
// nonces, no per-route options), so helmet runs once at startup and its headers are replayed on
// every answer.

/** The headers helmet sets with these options, captured from one run of its middleware. */
export function helmetHeaders(options: HelmetOptions): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: string) => {
      headers[name.toLowerCase()] = String(value);
    },
    removeHeader: (name: string) => {
      delete headers[name.toLowerCase()];
    },
  };
  helmet(options)(
    {} as Parameters<ReturnType<typeof helmet>>[0],
    response as unknown as Parameters<ReturnType<typeof helmet>>[1],
    (error?: unknown) => {
      if (error) throw error;
    },
  );
  return Object.freeze(headers);
}

// Answers no browser renders as a page: JSON from the API, hooks and probes. OWASP's REST
// cheat sheet asks these of them; helmet's others (referrer, XSS filter, download and
// DNS-prefetch controls, origin-agent-cluster) only act on documents, and were 600 bytes of
// every API answer. The CSP still forbids everything and any framing, should one be opened.
const MACHINE_PATHS = /^\/(?:api\/v\d|hooks\/|healthz|readyz|metrics)/;
const MACHINE_HEADERS = [
  'strict-transport-security',
  'x-content-type-options',
  'cross-origin-resource-policy',
] as const;

/**
 * Sets helmet's headers on every answer, from the first hook on, so early refusals carry them too;
 * answers for machines (MACHINE_PATHS) get the few that matter to them.
 */
export function securityHeaders(app: FastifyInstance, options: HelmetOptions): void {
  const forPages = helmetHeaders(options);
  const forMachines: Record<string, string> = {
    'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  };
  for (const name of MACHINE_HEADERS) if (forPages[name] !== undefined) forMachines[name] = forPages[name];
  Object.freeze(forMachines);
  app.addHook('onRequest', (request, reply, done) => {
    reply.headers(MACHINE_PATHS.test(request.url) ? forMachines : forPages);
    done();
  });
}
