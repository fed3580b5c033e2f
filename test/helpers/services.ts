import type { Db } from '../../src/core/db.ts';
import type { AnyPackage, Services } from '../../src/core/package.ts';
import { createServices, loadConfig, packages } from './built.ts';
import { TEST_SECRET_KEY } from './server.ts';

/**
 * Every package's services over `db`, from the packages' own factories as the server and the CLI
 * build them. `now` moves their clock; `env` adds ENDPOINT_* settings; `extra` adds packages
 * (a test's own hook handlers) after the installed ones.
 */
export function servicesOver(
  db: Db,
  options: { now?: () => Date; env?: Record<string, string>; extra?: readonly AnyPackage[] } = {},
): Services {
  const config = loadConfig({ ENDPOINT_SECRET_KEY: TEST_SECRET_KEY, ENDPOINT_LOG_LEVEL: 'silent', ...options.env });
  return createServices([...packages, ...(options.extra ?? [])], { db, config, now: options.now });
}
