import type { FastifyInstance } from 'fastify';
import { requestDuration } from '../../core/metrics.ts';

// Requests no route matched share one label, so made-up URLs cannot grow the series.
const UNMATCHED = '(unmatched)';

/** Observes every answer's time by method, route pattern and status: a map lookup and a count. */
export function requestTiming(app: FastifyInstance): void {
  app.addHook('onResponse', (request, reply, done) => {
    requestDuration.observe(
      request.method,
      request.routeOptions.url ?? UNMATCHED,
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
    done();
  });
}
