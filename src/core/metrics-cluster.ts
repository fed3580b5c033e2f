import cluster from 'node:cluster';
import { AggregatorRegistry } from 'prom-client';

// `serve --workers N`: each worker counts its own requests, and the worker a scrape reaches asks
// the primary, which gathers every worker's registry (prom-client's AggregatorRegistry, over the
// cluster's IPC channel) and hands back one text: counters and histograms summed, gauges by
// their aggregator. One scrape covers the whole server; answering per worker would give
// Prometheus whichever worker the kernel picked, a different one at each scrape.

// Set by the primary in its workers' environment: they ask it, rather than answer alone. Workers
// of another cluster manager (pm2's cluster mode) have no such primary and answer for themselves.
const ASK_PRIMARY_ENV = 'ENDPOINT_METRICS_FROM_PRIMARY';
export const askPrimaryEnv = { [ASK_PRIMARY_ENV]: '1' };

/**
 * Whether this process is a worker of serve's own primary, which answers for the cluster; if so,
 * it starts answering the primary's requests for its registry (prom-client listens only once an
 * AggregatorRegistry is made, in the workers as in the primary).
 */
export function joinClusterMetrics(): boolean {
  if (!cluster.isWorker || process.env[ASK_PRIMARY_ENV] !== '1') return false;
  new AggregatorRegistry();
  return true;
}

const REQUEST = 'endpoint:metrics-request';
const ANSWER = 'endpoint:metrics-answer';

interface Answer {
  type: typeof ANSWER;
  id: number;
  text?: string;
  error?: string;
}

/** In the primary: answers each worker's request with the whole cluster's metrics. */
export function answerMetricsRequests(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, message: { type?: string; id?: number }) => {
    if (message?.type !== REQUEST) return;
    const reply = (answer: Omit<Answer, 'type' | 'id'>) => {
      if (worker.isConnected()) worker.send({ type: ANSWER, id: message.id, ...answer });
    };
    aggregator.clusterMetrics().then(
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
