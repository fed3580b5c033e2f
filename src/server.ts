import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { type AppOptions, buildApp } from './app.ts';
import type { Config } from './config.ts';
import { createDb, type Db } from './core/db.ts';
import { assertMigrated, migrateToLatest } from './core/migrate.ts';
import { requestForLog } from './core/request-log.ts';
import { packages } from './packages/index.ts';
import { limitPasswordHashing } from './packages/users/passwords.ts';
import { countUsers } from './packages/users/repository.ts';

export interface ServeOptions {
  /** Human-readable logs (dev-server) rather than JSON lines (serve). */
  pretty: boolean;
  /** Migrate to the latest schema before listening (dev-server, npm start). */
  migrate: boolean;
  /** Where to print the one-time setup URL; stdout by default. */
  announce?: (line: string) => void;
  /** Set in a `serve --workers` worker: what its primary handed over. */
  fromPrimary?: Handover;
}

/** What a cluster's primary hands each worker (src/cluster.ts). */
export interface Handover {
  /**
   * The setup token, made once and printed by the primary, so whichever worker a browser reaches
   * accepts the one link printed; undefined when a user exists.
   */
  setupToken: string | undefined;
  /** How many workers share the machine, so each takes its share of the cores for hashing. */
  workers: number;
}

// Never logged, whatever a handler or plugin puts in a log line.
const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.secret',
  '*.token',
];

/**
 * With no user at all, the first admin is made in the browser through a one-time URL:
 * no default password ever exists. Undefined once a user exists.
 */
export async function newSetupToken(db: Db): Promise<string | undefined> {
  return (await countUsers(db)) === 0 ? randomBytes(24).toString('base64url') : undefined;
}

/**
 * The line announcing the setup URL: at ENDPOINT_PUBLIC_URL when set (the one host allowed by
 * default then), else where the server listens, wildcard and loopback addresses read as localhost.
 */
export function setupLine(where: { publicUrl?: string; host: string; port: number }, token: string): string {
  const shown = ['0.0.0.0', '::', '127.0.0.1', '::1'].includes(where.host) ? 'localhost' : where.host;
  const base = where.publicUrl ?? `http://${shown}:${where.port}`;
  return `No user exists yet. Create the first admin at ${base}/setup?token=${token}`;
}

/** The app's logger: pretty for dev-server; for serve JSON lines, and the per-request lines apart. */
function logging(config: Config, pretty: boolean): Pick<AppOptions, 'logger' | 'requestLines'> {
  const logged = {
    level: config.logLevel,
    redact: { paths: REDACT, censor: '[redacted]' },
    serializers: { req: requestForLog },
  };
  if (pretty) {
    const options = { translateTime: 'HH:MM:ss', ignore: 'pid,hostname', singleLine: true };
    return { logger: { ...logged, transport: { target: 'pino-pretty', options } } };
  }
  // Written in the background, lines queued while a write is under way going out in the next
  // one; pino flushes what is left when the process exits.
  const stream = pino.destination({ dest: 1, sync: false });
  return { logger: { ...logged, stream }, requestLines: pino({ level: config.logLevel }, stream) };
}

/**
 * Migrates if asked, builds the app, listens, and stops cleanly on SIGINT and SIGTERM: the
 * listening socket closes, requests already received are answered, then the database closes.
 */
export async function startServer(config: Config, options: ServeOptions): Promise<FastifyInstance> {
  limitPasswordHashing(availableParallelism() / (options.fromPrimary?.workers ?? 1));
  const db = createDb(config.databaseUrl);
  if (options.migrate) assertMigrated(await migrateToLatest(db, packages));
  const setupToken = options.fromPrimary ? options.fromPrimary.setupToken : await newSetupToken(db);
  const app = await buildApp(config, { db, setupToken, ...logging(config, options.pretty) });
  app.addHook('onClose', async () => db.destroy());
  let closing = false;
  const shutdown = async (signal: string) => {
    // A second signal is expected, not a plea to hurry: systemd or a terminal signals the whole
    // process group and a cluster's primary signals its workers again. Left to the default
    // action it would kill the process with requests in flight.
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    await app.close();
    process.exit(0);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  await app.listen({ host: config.host, port: config.port });
  // In a cluster the primary prints the link, once for all workers.
  if (setupToken && !options.fromPrimary) {
    const { port } = app.server.address() as AddressInfo;
    (options.announce ?? console.log)(setupLine({ publicUrl: config.publicUrl, host: config.host, port }, setupToken));
  }
  return app;
}
