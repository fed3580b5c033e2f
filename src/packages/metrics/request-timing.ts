import type { FastifyInstance } from 'fastify';
import type { Histogram } from 'prom-client';
import { requestDuration } from '../../core/metrics.ts';

// Requests no route matched share one label, so made-up URLs cannot grow the series.
const UNMATCHED = '(unmatched)';

/**
 * Observes every answer's time by method, route pattern and status. The labelled child of each
 * combination is looked up once and kept, so a request costs a map lookup and an observe.
 */
export function requestTiming(app: FastifyInstance): void {
  const children = new Map<string, Histogram.Internal<'method' | 'route' | 'status'>>();
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? UNMATCHED;
    const key = `${request.method} ${reply.statusCode} ${route}`;
    let child = children.get(key);
    if (child === undefined) {
      child = requestDuration.labels({ method: request.method, route, status: String(reply.statusCode) });
      children.set(key, child);
    }
    child.observe(reply.elapsedTime / 1000);
    done();
  });
}
