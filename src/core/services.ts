import type { FastifyBaseLogger } from 'fastify';
import type { Redis } from 'ioredis';
import type { Config } from '../config.ts';
import type { Db } from './db.ts';
import { collectEventTypes } from './events.ts';
import { type AnyPackage, collectHandlers, collectPermissions, type ServiceDeps, type Services } from './package.ts';

/** What the process starting the services has: the rest of `ServiceDeps` comes from the packages. */
export interface ServiceInputs {
  db: Db;
  config: Config;
  /** Silent when absent (CLI, tests). */
  log?: FastifyBaseLogger;
  now?: () => Date;
  redis?: Redis;
  /** Where the secret key comes from when config has none (the CLI's dev-server key); else an error. */
  secretKey?: () => string;
}

const noop = () => {};

/** A logger that drops everything, without loading pino. */
export const silentLog: FastifyBaseLogger = {
  level: 'silent',
  fatal: noop,
  error: noop,
  warn: noop,
  info: noop,
  debug: noop,
  trace: noop,
  silent: noop,
  child: () => silentLog,
};

/**
 * Builds every package's services, calling each package's factory once in list order with the
 * deps and the services built before it; the server, every CLI command, the hook worker and the
 * tests all get their services here, so none can be wired differently. Throws when a package
 * depends on one not listed before it, or two packages name a service alike.
 */
export function createServices(packages: readonly AnyPackage[], inputs: ServiceInputs): Services {
  const { config } = inputs;
  // The same for every database the services are built over: worked out once.
  const shared = {
    config,
    log: inputs.log ?? silentLog,
    now: inputs.now ?? (() => new Date()),
    permissions: collectPermissions(packages),
    handlers: collectHandlers(packages),
    eventTypes: collectEventTypes(packages),
    redis: inputs.redis,
    secretKey:
      inputs.secretKey ??
      (() => {
        if (!config.secretKey) throw new Error('ENDPOINT_SECRET_KEY must be set');
        return config.secretKey;
      }),
    servicesOver: (db: Db) => over(db),
  };
  function over(db: Db): Services {
    const deps: ServiceDeps = { ...shared, db };
    const services: Record<string, unknown> = {};
    const built = new Set<string>();
    for (const pkg of packages) {
      const missing = pkg.dependsOn?.find((name) => !built.has(name));
      if (missing) throw new Error(`package ${pkg.name} depends on ${missing}, which must be listed before it`);
      for (const [name, service] of Object.entries(pkg.services?.({ ...deps, ...services }) ?? {})) {
        if (name in services || name in deps) throw new Error(`service "${name}" of package ${pkg.name} is taken`);
        services[name] = service;
      }
      built.add(pkg.name);
    }
    return services as unknown as Services;
  }
  return over(inputs.db);
}
