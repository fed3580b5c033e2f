import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { buildApp, packages } from './app.ts';
import type { Config } from './config.ts';
import { createDb } from './core/db.ts';
import { assertMigrated, migrateToLatest } from './core/migrate.ts';
import { countUsers } from './packages/users/repository.ts';

export interface ServeOptions {
  /** Human-readable logs (dev-server) rather than JSON lines (serve). */
  pretty: boolean;
  /** Migrate to the latest schema before listening (dev-server, npm start). */
  migrate: boolean;
  /** Where to print the one-time setup URL; stdout by default. */
  announce?: (line: string) => void;
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

// Query strings can carry secrets too (the one-time /setup?token=...).
const SECRET_QUERY = /([?&](?:token|secret|password|key)=)[^&]*/gi;

function requestForLog(request: FastifyRequest) {
  return {
    method: request.method,
    url: request.url.replace(SECRET_QUERY, '$1[redacted]'),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

/** Migrates if asked, builds the app, listens, and stops cleanly on SIGINT and SIGTERM. */
export async function startServer(config: Config, options: ServeOptions): Promise<FastifyInstance> {
  const db = createDb(config.databaseUrl);
  if (options.migrate) assertMigrated(await migrateToLatest(db, packages));
  // With no user at all, the first admin is made in the browser through a one-time URL:
  // no default password ever exists.
  const setupToken = (await countUsers(db)) === 0 ? randomBytes(24).toString('base64url') : undefined;
  const app = await buildApp(config, {
    db,
    setupToken,
    logger: {
      level: config.logLevel,
      redact: { paths: REDACT, censor: '[redacted]' },
      serializers: { req: requestForLog },
      ...(options.pretty && {
        transport: {
          target: 'pino-pretty',
          options: { translateTime: 'HH:MM:ss', ignore: 'pid,hostname', singleLine: true },
        },
      }),
    },
  });
  app.addHook('onClose', async () => db.destroy());
  const shutdown = async (signal: string) => {
    app.log.info({ signal }, 'shutting down');
    await app.close();
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  await app.listen({ host: config.host, port: config.port });
  if (setupToken) {
    const host = ['0.0.0.0', '::', '127.0.0.1', '::1'].includes(config.host) ? 'localhost' : config.host;
    const { port } = app.server.address() as AddressInfo;
    const url = `http://${host}:${port}/setup?token=${setupToken}`;
    (options.announce ?? console.log)(`No user exists yet. Create the first admin at ${url}`);
  }
  return app;
}
