import { Gauge } from 'prom-client';
import { refill, scrapedDatabase } from '../../core/metrics.ts';
import { countUnprocessedByHook } from './repository.ts';

/**
 * Read from the database at scrape time, so it counts what every process stored and no process
 * keeps a count that could drift. Under `serve --workers` each worker answers the same number,
 * so the cluster's figure is theirs, not their sum.
 */
export const deliveriesPending = new Gauge({
  name: 'endpoint_hook_deliveries_pending',
  help: 'Deliveries stored and not yet processed (pending a first run, a retry, or running), by hook',
  labelNames: ['hook'] as const,
  aggregator: 'max',
  async collect() {
    const db = scrapedDatabase();
    if (db === undefined) return;
    // A database that does not answer leaves the gauge empty rather than failing the scrape: the
    // rest (the errors it causes, the pool waiting) is what an operator needs to see then.
    const counts = await countUnprocessedByHook(db).catch(() => []);
    refill(
      this,
      counts.map(({ hook, count }) => [{ hook }, count]),
    );
  },
});
