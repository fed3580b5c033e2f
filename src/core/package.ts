import type { Command } from 'commander';
import type { FastifyPluginAsync } from 'fastify';
import type { Config } from '../config.ts';
import type { Db } from './db.ts';
import type { HookHandler } from './hook-handlers.ts';

/** What a package's CLI commands get: they open the database only when they run. */
export interface CliContext {
  config(): Config;
  /** ENDPOINT_SECRET_KEY, else the key dev-server keeps in this folder; throws a clear error if neither. */
  secretKey(): string;
  /** Opens the database (closed by the CLI after the command); throws a clear error if unreachable. */
  db(): Promise<Db>;
  /** Every permission codename the installed packages declare. */
  permissions: ReadonlyMap<string, string>;
  /** Every hook handler the installed packages offer, by name. */
  handlers: ReadonlyMap<string, HookHandler>;
}

/**
 * A package: one folder under src/packages with an index.ts default-exporting this.
 * `services` is registered with fastify-plugin so every package sees what it decorates;
 * `api` is mounted under /api/v1 (JSON only, problem+json errors); `pages` at the root
 * (HTML, forms with CSRF tokens); `receivers` at the root in a scope of its own, for calls from
 * remote services (no CSRF, no form parsing: it reads the raw body it verifies).
 */
export interface EndpointPackage {
  name: string;
  /** Folder of this package's migration files, each exporting `up` and `down`. */
  migrations?: URL;
  /** Permission codenames (`package.action`) this package checks, with what each allows. */
  permissions?: Record<string, string>;
  services?: FastifyPluginAsync;
  api?: FastifyPluginAsync;
  pages?: FastifyPluginAsync;
  receivers?: FastifyPluginAsync;
  /** Hook handlers this package offers, by name (`links.twilio-sms`); see core/hook-handlers.ts. */
  hooks?: Record<string, HookHandler>;
  commands?: (program: Command, context: CliContext) => void;
}

export function definePackage(pkg: EndpointPackage): EndpointPackage {
  return pkg;
}

/** All permissions of all packages, codename to description, sorted by codename. */
export function collectPermissions(packages: readonly EndpointPackage[]): ReadonlyMap<string, string> {
  const entries = packages.flatMap((pkg) => Object.entries(pkg.permissions ?? {}));
  return new Map(entries.sort(([a], [b]) => a.localeCompare(b)));
}

/** All hook handlers of all packages, by name; two packages offering one name is a startup error. */
export function collectHandlers(packages: readonly EndpointPackage[]): ReadonlyMap<string, HookHandler> {
  const handlers = new Map<string, HookHandler>();
  for (const pkg of packages) {
    for (const [name, handler] of Object.entries(pkg.hooks ?? {})) {
      if (handlers.has(name)) throw new Error(`hook handler "${name}" is offered twice (package ${pkg.name})`);
      handlers.set(name, handler);
    }
  }
  return handlers;
}
