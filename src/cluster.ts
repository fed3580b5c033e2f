import cluster, { type Worker } from 'node:cluster';
import { pino } from 'pino';
import { startClusterWriter } from './cluster-writer.ts';
import type { Config } from './config.ts';
import { describeError } from './core/cli/run-action.ts';
import { answerMetricsRequests, askPrimaryEnv } from './core/metrics-cluster.ts';
import { type Handover, setupLine } from './server.ts';

// `serve --workers N` forks N copies of itself with node:cluster rather than leaving that to a
// process manager (pm2, systemd template units, several containers behind a proxy): the workers
// share one listening port with nothing in front of them, one `serve` stays one unit to deploy,
// signal and log, the one-time setup link is made once for all of them, and a crashed worker is
// replaced in milliseconds with nothing more to install. Whatever is shared between workers lives
// in the database (and Redis), never in a worker's memory, so any worker may answer any request.
// On SQLite the primary is also the file's one busy writer (cluster-writer.ts).

/**
 * A worker that dies before it listens, or sooner than this after it began to, counts towards a
 * crash loop; counting from the fork instead let a loaded machine's slow starts hide the loop.
 */
const MIN_UPTIME_MS = 5000;
/** Workers in a row dying that soon: the primary gives up rather than fork forever. */
const MAX_EARLY_DEATHS = 3;

// The primary's hand-over travels in the workers' environment. Its presence also tells serve's own
// workers from those of another cluster manager (pm2's cluster mode), which run serve whole.
const HANDOVER_ENV = 'ENDPOINT_CLUSTER_HANDOVER';

export interface ClusterOptions {
  workers: number;
  /** Where the workers listen and the public URL, for the setup link. */
  host: string;
  publicUrl: string | undefined;
  logLevel: string;
  /** The workers' configuration: on SQLite the primary writes for them (cluster-writer.ts). */
  config: Config;
  /** Made by the primary when no user exists; every worker accepts it, the primary prints it. */
  setupToken: string | undefined;
}

/**
 * The primary: forks the workers, each running `serve` on the shared port; replaces a worker that
 * dies, unless they keep dying right after starting; on SIGTERM or SIGINT asks every worker to
 * shut down gracefully and resolves, once all have exited, with the exit code for the primary:
 * 0, or 1 when it gave up.
 */
export function runPrimary(options: ClusterOptions): Promise<number> {
  // The primary's few lines go out as its workers' do: pino JSON on stdout.
  const log = pino({ level: options.logLevel });
  const handover: Handover = { setupToken: options.setupToken, workers: options.workers };
  const writer = startClusterWriter(options.config, log);
  const env = { [HANDOVER_ENV]: JSON.stringify(handover), ...askPrimaryEnv, ...writer?.env };
  const startedAt = new Map<Worker, number>();
  const listeningAt = new Map<Worker, number>();
  let earlyDeaths = 0;
  let announced = false;
  let exitCode: number | undefined;

  const finished = new Promise<number>((resolve) => {
    const fork = () => startedAt.set(cluster.fork(env), Date.now());
    const stop = (code: number, reason: string) => {
      if (exitCode !== undefined) return;
      exitCode = code;
      log.info({ reason }, 'stopping the workers');
      if (startedAt.size === 0) resolve(code);
      // Each worker closes its app: it stops accepting, answers what it has received, exits.
      for (const worker of startedAt.keys()) worker.process.kill('SIGTERM');
    };
    cluster.on('listening', (worker, address) => {
      listeningAt.set(worker, Date.now());
      if (announced || !options.setupToken) return;
      announced = true;
      console.log(
        setupLine({ publicUrl: options.publicUrl, host: options.host, port: address.port }, options.setupToken),
      );
    });
    cluster.on('exit', (worker, code, signal) => {
      const lived = Date.now() - (startedAt.get(worker) ?? 0);
      const listened = listeningAt.get(worker);
      startedAt.delete(worker);
      listeningAt.delete(worker);
      if (exitCode !== undefined) {
        if (startedAt.size === 0) resolve(exitCode);
        return;
      }
      const early = listened === undefined || Date.now() - listened < MIN_UPTIME_MS;
      earlyDeaths = early ? earlyDeaths + 1 : 0;
      log.error({ worker: worker.process.pid, code, signal, lived }, 'worker died');
      if (earlyDeaths < MAX_EARLY_DEATHS) {
        fork();
        return;
      }
      log.error(`${earlyDeaths} workers died within seconds of starting: giving up`);
      stop(1, 'crash loop');
    });
    process.on('SIGTERM', () => stop(0, 'SIGTERM'));
    process.on('SIGINT', () => stop(0, 'SIGINT'));
    answerMetricsRequests(writer?.metrics);
    log.info({ workers: options.workers }, 'starting workers');
    for (let i = 0; i < options.workers; i++) fork();
  });
  // Stopped once every worker has exited: a worker shutting down may still be storing deliveries.
  return writer ? finished.finally(() => writer.stop()) : finished;
}

/** What the primary handed over when this process is one of serve's workers; undefined otherwise. */
export function handoverFromPrimary(): Handover | undefined {
  const handover = process.env[HANDOVER_ENV];
  return cluster.isWorker && handover ? JSON.parse(handover) : undefined;
}

/**
 * A worker: starts the server, or says why it cannot and exits 1. Left alone, a worker that failed
 * to start would live on, held open by its channel to the primary.
 */
export async function runWorker(start: () => Promise<unknown>): Promise<void> {
  try {
    await start();
  } catch (error) {
    process.stderr.write(`error: ${describeError(error)}\n`);
    process.exit(1);
  }
}
