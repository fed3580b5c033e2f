import cluster from 'node:cluster';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from './config.ts';
import { createDb } from './core/db.ts';
import { answerWrites, writesToPrimaryEnv } from './core/primary-writes.ts';
import { createServices } from './core/services.ts';
import { deliveryInserts } from './packages/hooks/delivery-inserts.ts';
import { packages } from './packages/index.ts';

// `serve --workers N` on SQLite: the primary is the file's one busy writer. It inserts every
// worker's hook deliveries (core/primary-writes.ts) and runs the one hook delivery worker and the
// one event sender (packages/events), so the commits that come by the thousand a second share one
// connection and queue in memory, never on the file's lock. Two processes writing at once each hold the lock across event-loop turns
// (a handler batch's transaction is many awaited statements) while the other sleeps in SQLite's
// busy handler with its event loop blocked: measured, that cost more than the second worker
// brought. What the workers still write (sessions, admin changes, inline handler runs) is rare
// and short, and waits for the lock under the busy timeout.

export interface ClusterWriter {
  /** What the workers' environment gains: their inserts go to the primary, and they run no delivery worker or event sender. */
  env: Record<string, string>;
  /** The metrics only the primary moves, for the cluster's scrape (core/metrics-cluster.ts). */
  metrics: string[];
  /** Stops the delivery worker, then closes the database; call once every worker has exited. */
  stop(): Promise<void>;
}

/** Makes this primary the one writer of `config`'s SQLite file; undefined on PostgreSQL, where every process writes its own. */
export function startClusterWriter(config: Config, log: FastifyBaseLogger): ClusterWriter | undefined {
  if (!config.databaseUrl.startsWith('sqlite:')) return undefined;
  const db = createDb(config.databaseUrl);
  const services = createServices(packages, { db, config, log });
  const worker = services.deliveryWorker;
  const { eventWorker } = services;
  // Rows travel as structured clones, their Buffer bodies intact rather than JSON arrays of bytes.
  cluster.setupPrimary({ serialization: 'advanced' });
  answerWrites(db, [
    {
      ...deliveryInserts,
      commit: async (writer, rows) => {
        const results = await deliveryInserts.commit(writer, rows);
        worker.wake();
        return results;
      },
    },
  ]);
  if (config.hookWorker) {
    worker.start();
    eventWorker.start();
  }
  return {
    env: { ...writesToPrimaryEnv, ENDPOINT_HOOK_WORKER: 'off' },
    // What the delivery worker counts (core/metrics.ts).
    metrics: ['endpoint_hook_deliveries_processed_total', 'endpoint_hook_deliveries_failed_total'],
    async stop() {
      await Promise.all([worker.stop(), eventWorker.stop()]);
      eventWorker.closeSender();
      await db.destroy();
    },
  };
}
