import type { Command } from 'commander';
import type { FastifyBaseLogger, FastifyPluginAsync } from 'fastify';
import type { Redis } from 'ioredis';
import type { Config } from '../config.ts';
import type { AdminModel } from './admin.ts';
import type { Db } from './db.ts';
import type { EventType } from './events.ts';
import type { HookHandler } from './hook-handlers.ts';

/**
 * Every service of every package, by name (`users`, `tokens`, `hooks`, ...): each package's
 * index.ts adds those its factory returns by declaration merging, and the server decorates each
 * (`app.users`), so core imports no package.
 */
// biome-ignore lint/suspicious/noEmptyInterface: each package's index.ts fills it in
export interface Services {}

/** What a package's services factory is given, whoever starts the process: server, CLI, worker or test. */
export interface ServiceDeps {
  db: Db;
  config: Config;
  log: FastifyBaseLogger;
  /** The clock every service reads, so tests can move it. */
  now: () => Date;
  /** Every permission codename the installed packages declare. */
  permissions: ReadonlyMap<string, string>;
  /** Every hook handler the installed packages offer, by name. */
  handlers: ReadonlyMap<string, HookHandler>;
  /** Every outbound event type the installed packages declare, by name (core/events.ts). */
  eventTypes: ReadonlyMap<string, EventType>;
  /** ENDPOINT_SECRET_KEY (or dev-server's); throws a clear error when there is none, so call it only when needed. */
  secretKey(): string;
  /** Shared counters across processes: set in a server with ENDPOINT_REDIS_URL, never in the CLI. */
  redis: Redis | undefined;
  /** Every package's services again, over another database handle: a hook handler's transaction. */
  servicesOver(db: Db): Services;
}

/** What a package's CLI commands get: they open the database only when they run. */
export interface CliContext {
  config(): Config;
  /** ENDPOINT_SECRET_KEY, else the key dev-server keeps in this folder; throws a clear error if neither. */
  secretKey(): string;
  /** Opens the database (closed by the CLI after the command); throws a clear error if unreachable. */
  db(): Promise<Db>;
  /** Every package's services over that database, built by the packages' own factories. */
  services(): Promise<Services>;
  /** Every permission codename the installed packages declare. */
  permissions: ReadonlyMap<string, string>;
  /** Every hook handler the installed packages offer, by name. */
  handlers: ReadonlyMap<string, HookHandler>;
}

/**
 * A package: one folder under src/packages with an index.ts default-exporting this, and one
 * line in src/packages/index.ts. `services` is the one place its services are built (server,
 * CLI, hook worker and tests alike), from `ServiceDeps` and the services of the packages it
 * `dependsOn`; the server decorates each by name (`app.users`). `plugin` is what the package adds
 * to the server itself: request hooks, background work. `api` is mounted under /api/v1 (JSON only,
 * problem+json errors); `pages` at the root (HTML, forms with CSRF tokens); `receivers` at the root
 * in a scope of its own, for calls from remote services (no CSRF, no form parsing: it reads the
 * raw body it verifies). `admin` lists the models the admin serves for it (see core/admin.ts);
 * pages of its own under /admin/<package>/... (a console, a secret shown once) go in its `pages`
 * plugin, rendered with the admin's layout through `renderAdminPage` from packages/admin. The
 * outbound event types a package emits are its `events` (core/events.ts); the events package
 * delivers them to subscribers.
 */
export interface EndpointPackage<S extends object = object, Deps extends ServiceDeps = ServiceDeps> {
  name: string;
  /** Packages whose services this one's factory uses; they come before it in the package list. */
  dependsOn?: readonly string[];
  /** Folder of this package's migration files, each exporting `up` and `down`. */
  migrations?: URL;
  /** Permission codenames (`package.action`) this package checks, with what each allows. */
  permissions?: Record<string, string>;
  services?: (deps: Deps) => S;
  plugin?: FastifyPluginAsync;
  api?: FastifyPluginAsync;
  pages?: FastifyPluginAsync;
  receivers?: FastifyPluginAsync;
  /** Hook handlers this package offers, by name (`links.twilio-sms`); see core/hook-handlers.ts. */
  hooks?: Record<string, HookHandler>;
  commands?: (program: Command, context: CliContext) => void;
  /** The models the admin serves for this package, in the order its index lists them. */
  admin?: readonly AdminModel[];
  /** The outbound event types this package emits, by name (`user.created`); see core/events.ts. */
  events?: Record<string, EventType>;
}

/** Any package, whatever its services and the services it depends on. */
export type AnyPackage = EndpointPackage<object, any>;

export function definePackage<S extends object = object, Deps extends ServiceDeps = ServiceDeps>(
  pkg: EndpointPackage<S, Deps>,
): EndpointPackage<S, Deps> {
  return pkg;
}

/** All permissions of all packages, codename to description, sorted by codename. */
export function collectPermissions(packages: readonly AnyPackage[]): ReadonlyMap<string, string> {
  const entries = packages.flatMap((pkg) => Object.entries(pkg.permissions ?? {}));
  return new Map(entries.sort(([a], [b]) => a.localeCompare(b)));
}

/** All hook handlers of all packages, by name; two packages offering one name is a startup error. */
export function collectHandlers(packages: readonly AnyPackage[]): ReadonlyMap<string, HookHandler> {
  const handlers = new Map<string, HookHandler>();
  for (const pkg of packages) {
    for (const [name, handler] of Object.entries(pkg.hooks ?? {})) {
      if (handlers.has(name)) throw new Error(`hook handler "${name}" is offered twice (package ${pkg.name})`);
      handlers.set(name, handler);
    }
  }
  return handlers;
}

/** A package's admin models, for the admin package. */
export interface AdminPackage {
  name: string;
  models: readonly AdminModel[];
}

/**
 * Every package's admin models, in package order; throws at startup when a package lists two
 * models of one name or a model names a permission no package declares, so a typo cannot leave a
 * page unguarded.
 */
export function collectAdminModels(packages: readonly AnyPackage[]): readonly AdminPackage[] {
  const declared = collectPermissions(packages);
  const found: AdminPackage[] = [];
  for (const pkg of packages) {
    const models = pkg.admin ?? [];
    const names = new Set<string>();
    for (const model of models) {
      if (!/^[a-z][a-z0-9-]*$/.test(model.name))
        throw new Error(`admin model "${model.name}" of ${pkg.name}: bad name`);
      if (names.has(model.name)) throw new Error(`admin model "${model.name}" is listed twice by ${pkg.name}`);
      names.add(model.name);
      const needed = [...Object.values(model.permissions), ...(model.actions ?? []).map((action) => action.permission)];
      const unknown = needed.find((permission) => permission !== undefined && !declared.has(permission));
      if (unknown) throw new Error(`admin model ${pkg.name}/${model.name} needs ${unknown}, which no package declares`);
    }
    if (models.length > 0) found.push({ name: pkg.name, models });
  }
  return found;
}
