import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { HttpError } from './http-errors.ts';

/**
 * Liveness (the process answers) and readiness (the database answers) for load balancers.
 * Readiness names Redis's state in `details` when ENDPOINT_REDIS_URL is set, but does not depend
 * on it: without Redis the counters fall back to each process, and the instance still serves. They
 * answer whatever the Host header says: load balancers and orchestrators probe by address, which
 * no ENDPOINT_ALLOWED_HOSTS lists, and a probe reveals nothing and builds nothing from the host.
 */
export async function probes(app: FastifyInstance): Promise<void> {
  const hidden = { schema: { hide: true }, config: { anyHost: true, probe: true } };
  app.get('/healthz', hidden, async () => ({ status: 'ok' }));
  app.get('/readyz', hidden, async (request, reply) => {
    try {
      await sql`select 1`.execute(app.db);
    } catch (error) {
      request.log.warn({ err: error }, 'readiness check failed');
      throw new HttpError('unavailable', 'database unreachable');
    }
    reply.header('cache-control', 'no-store');
    const counters = app.sharedCounters;
    if (!counters) return { status: 'ok' };
    return { status: 'ok', details: { redis: counters.reachable() ? 'ok' : 'unreachable: counting per process' } };
  });
}
