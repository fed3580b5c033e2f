import { Counter, Gauge, register } from 'prom-client';
import { type Db, poolStats } from './db.ts';

// One registry per process, prom-client's global one: the counters are incremented where things
// happen (a package imports them from here, as core imports no package), and serve's workers
// answer the primary's aggregation requests from this same registry (packages/metrics/cluster.ts).
export const registry = register;

const REQUEST_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

interface RequestSeries {
  labels: { method: string; route: string; status: string };
  /** Answers per bucket (not cumulative), the last past every bound. */
  counts: number[];
  sum: number;
}

/**
 * Answers by method, route pattern (never the raw URL, which any client could vary without end)
 * and status, as a Prometheus histogram. prom-client's own Histogram checks and hashes the labels
 * at every observe, about 60 times the cost of the plain counting here; this one counts into an
 * array per label set and shapes the samples only when scraped, in the form prom-client's
 * registry and cluster aggregator read from its own metrics.
 */
export class RequestHistogram {
  readonly name = 'endpoint_http_request_duration_seconds';
  readonly help = 'Time from receiving a request to sending its answer, by method, route pattern and status';
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly series = new Map<string, RequestSeries>();

  observe(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${status} ${route}`;
    let series = this.series.get(key);
    if (series === undefined) {
      series = { labels: { method, route, status: String(status) }, counts: REQUEST_BUCKETS.map(() => 0), sum: 0 };
      series.counts.push(0);
      this.series.set(key, series);
    }
    let bucket = 0;
    while (bucket < REQUEST_BUCKETS.length && seconds > REQUEST_BUCKETS[bucket]) bucket++;
    series.counts[bucket]++;
    series.sum += seconds;
  }

  async get() {
    const values: { labels: Record<string, string | number>; value: number; metricName: string }[] = [];
    for (const { labels, counts, sum } of this.series.values()) {
      let seen = 0;
      counts.forEach((count, bucket) => {
        seen += count;
        const le = bucket < REQUEST_BUCKETS.length ? REQUEST_BUCKETS[bucket] : '+Inf';
        values.push({ labels: { ...labels, le }, value: seen, metricName: `${this.name}_bucket` });
      });
      values.push({ labels, value: sum, metricName: `${this.name}_sum` });
      values.push({ labels, value: seen, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  reset(): void {
    this.series.clear();
  }
}

export const requestDuration = new RequestHistogram();
registry.registerMetric(requestDuration as unknown as Parameters<typeof registry.registerMetric>[0]);

// Hook names come from stored hooks, so their label stays as few as the hooks themselves.
export const deliveriesReceived = new Counter({
  name: 'endpoint_hook_deliveries_received_total',
  help: 'Deliveries a hook stored (duplicates of a stored delivery id are not counted)',
  labelNames: ['hook'] as const,
});

export const deliveriesProcessed = new Counter({
  name: 'endpoint_hook_deliveries_processed_total',
  help: 'Deliveries whose handler succeeded, by hook',
  labelNames: ['hook'] as const,
});

export const deliveriesFailed = new Counter({
  name: 'endpoint_hook_deliveries_failed_total',
  help: 'Deliveries marked failed after their last attempt, by hook',
  labelNames: ['hook'] as const,
});

// By reason only: a rate-limited call is refused before its hook is looked up, so a hook label
// would take whatever name a flood of calls made up.
export const hookCallsRefused = new Counter({
  name: 'endpoint_hook_calls_refused_total',
  help: 'Calls a hook refused, by reason (signature invalid, rate limited, ...)',
  labelNames: ['reason'] as const,
});

export const loginFailures = new Counter({
  name: 'endpoint_login_failures_total',
  help: 'Logins refused: invalid credentials (unknown user, wrong password, inactive) or throttled',
  labelNames: ['reason'] as const,
});

/**
 * The database the scrape-time gauges read (pending deliveries, pool), set by the server's metrics
 * plugin; one server per process in production, and the latest one built in a test process.
 */
let scraped: Db | undefined;

export function setScrapedDatabase(db: Db | undefined): void {
  scraped = db;
}

export function scrapedDatabase(): Db | undefined {
  return scraped;
}

/** A gauge the collect callback fills anew: labels that went away (a deleted hook) go too. */
export function refill<T extends string>(
  gauge: Gauge<T>,
  values: Iterable<[Partial<Record<T, string>>, number]>,
): void {
  gauge.reset();
  for (const [labels, value] of values) gauge.set(labels, value);
}

// SQLite has no pool: one connection per process, whose queries wait on Kysely's own queue.
export const poolConnections = new Gauge({
  name: 'endpoint_db_pool_connections',
  help: 'PostgreSQL pool: connections open (total) and idle, and queries waiting for one; SQLite: total 1',
  labelNames: ['state'] as const,
  collect() {
    if (scraped === undefined) return;
    const stats = poolStats(scraped) ?? { total: 1 };
    refill(
      this,
      Object.entries(stats).map(([state, value]) => [{ state }, value]),
    );
  },
});
