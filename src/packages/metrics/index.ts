import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics } from 'prom-client';
import { registry, scrapedDatabase, setScrapedDatabase } from '../../core/metrics.ts';
import { definePackage } from '../../core/package.ts';
import { METRICS_PERMISSION, metricsRoute } from './metrics-route.ts';
import { requestTiming } from './request-timing.ts';

let processMetricsStarted = false;

/**
 * What a server adds for /metrics: every answer timed, the process's own metrics (CPU, memory,
 * event-loop lag, GC), gathered once per process, and the database the scrape-time gauges read.
 */
async function plugin(app: FastifyInstance): Promise<void> {
  requestTiming(app);
  if (!processMetricsStarted) {
    processMetricsStarted = true;
    collectDefaultMetrics({ register: registry });
  }
  setScrapedDatabase(app.db);
  app.addHook('onClose', async () => {
    if (scrapedDatabase() === app.db) setScrapedDatabase(undefined);
  });
}

export default definePackage({
  name: 'metrics',
  dependsOn: ['users', 'tokens'],
  permissions: { [METRICS_PERMISSION]: 'Read the Prometheus metrics at GET /metrics (a scope for scrapers’ tokens)' },
  plugin,
  receivers: metricsRoute,
});
