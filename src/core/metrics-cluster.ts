import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry } from 'prom-client';
import { registry } from './metrics.ts';

// `serve --workers N`: each worker counts its own requests, and the worker a scrape reaches asks
// the primary, which gathers every worker's registry (and its own counts of what it does itself,
// cluster-writer.ts) over the cluster's IPC channel and hands back one text, aggregated by
// prom-client's AggregatorRegistry: counters and histograms summed, gauges by their aggregator. One scrape covers the whole server; answering per worker would give
// Prometheus whichever worker the kernel picked, a different one at each scrape.

// Set by the primary in its workers' environment: they ask it, rather than answer alone. Workers
// of another cluster manager (pm2's cluster mode) have no such primary and answer for themselves.
const ASK_PRIMARY_ENV = 'ENDPOINT_METRICS_FROM_PRIMARY';
export const askPrimaryEnv = { [ASK_PRIMARY_ENV]: '1' };

/**
 * Whether this process is a worker of serve's own primary, which answers for the cluster; if so,
 * it starts answering the primary's requests for its registry.
 */
export function joinClusterMetrics(): boolean {
  if (!cluster.isWorker || process.env[ASK_PRIMARY_ENV] !== '1') return false;
  process.on('message', (message: { type?: string; id?: number }) => {
    if (message?.type !== REGISTRY_REQUEST) return;
    registry.getMetricsAsJSON().then(
      (metrics) => process.send?.({ type: REGISTRY_ANSWER, id: message.id, metrics }),
      () => process.send?.({ type: REGISTRY_ANSWER, id: message.id, metrics: [] }),
    );
  });
  return true;
}

const REQUEST = 'endpoint:metrics-request';
const ANSWER = 'endpoint:metrics-answer';
const REGISTRY_REQUEST = 'endpoint:metrics-registry-request';
const REGISTRY_ANSWER = 'endpoint:metrics-registry-answer';
/** A worker that does not answer in time is left out of the scrape rather than failing it. */
const REGISTRY_TIMEOUT_MS = 5000;

interface Answer {
  type: typeof ANSWER;
  id: number;
  text?: string;
  error?: string;
}

type RegistryJson = Awaited<ReturnType<typeof registry.getMetricsAsJSON>>;

/**
 * In the primary: answers each worker's request with the whole cluster's metrics: every worker's
 * registry, and the primary's own figures for `own` (on SQLite the primary runs the delivery
 * worker, cluster-writer.ts, so deliveries processed and failed are counted there), aggregated as
 * prom-client's AggregatorRegistry does. Asked over this module's own messages rather than
 * prom-client's, which gather the workers' registries only.
 */
export function answerMetricsRequests(own: readonly string[] = []): void {
  let nextRequest = 0;
  const gathering = new Map<number, (metrics: RegistryJson) => void>();
  cluster.on('message', (_worker, message: { type?: string; id?: number; metrics?: RegistryJson }) => {
    if (message?.type !== REGISTRY_ANSWER || message.id === undefined) return;
    gathering.get(message.id)?.(message.metrics ?? []);
  });

  function workerRegistry(worker: Worker): Promise<RegistryJson | undefined> {
    const id = ++nextRequest;
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(undefined), REGISTRY_TIMEOUT_MS);
      function done(metrics: RegistryJson | undefined) {
        clearTimeout(timer);
        gathering.delete(id);
        resolve(metrics);
      }
      gathering.set(id, done);
      worker.send({ type: REGISTRY_REQUEST, id });
    });
  }

  async function clusterText(): Promise<string> {
    const workers = Object.values(cluster.workers ?? {}).filter((worker) => worker?.isConnected()) as Worker[];
    const answers = await Promise.all(workers.map(workerRegistry));
    const primary = (await registry.getMetricsAsJSON()).filter((metric) => own.includes(metric.name));
    const all = [...answers.filter((metrics) => metrics !== undefined), primary];
    return AggregatorRegistry.aggregate(all as Parameters<typeof AggregatorRegistry.aggregate>[0]).metrics();
  }

  cluster.on('message', (worker, message: { type?: string; id?: number }) => {
    if (message?.type !== REQUEST) return;
    const reply = (answer: Omit<Answer, 'type' | 'id'>) => {
      if (worker.isConnected()) worker.send({ type: ANSWER, id: message.id, ...answer });
    };
    clusterText().then(
      (text) => reply({ text }),
      (error: Error) => reply({ error: error.message }),
    );
  });
}
let nextId = 0;
const waiting = new Map<number, { resolve: (text: string) => void; reject: (error: Error) => void }>();

/** In a worker: the whole cluster's metrics text, from the primary. */
export function clusterMetrics(): Promise<string> {
  if (waiting.size === 0) process.on('message', onAnswer);
  const id = ++nextId;
  return new Promise((resolve, reject) => {
    waiting.set(id, { resolve, reject });
    process.send?.({ type: REQUEST, id });
  });
}

function onAnswer(message: Answer): void {
  if (message?.type !== ANSWER) return;
  const pending = waiting.get(message.id);
  if (pending === undefined) return;
  waiting.delete(message.id);
  if (waiting.size === 0) process.off('message', onAnswer);
  if (message.text !== undefined) pending.resolve(message.text);
  else pending.reject(new Error(message.error ?? 'no answer'));
}
