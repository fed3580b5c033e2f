import type { Kysely } from 'kysely';
import { type Config, loadConfig } from '../config.ts';
import { CliError } from '../core/cli/run-action.ts';
import { createDb, type Db } from '../core/db.ts';
import { createMigrator } from '../core/migrate.ts';
import { type CliContext, collectHandlers, collectPermissions, type Services } from '../core/package.ts';
import { createServices } from '../core/services.ts';
import { packages } from '../packages/index.ts';
import { DEV_SECRET_FILE, readDevSecretKey } from './dev-secret-key.ts';

/**
 * The context commands share: config read once, and databases opened on demand and
 * closed when the command ends (`closeAll`).
 */
export function createCliContext(): CliContext & {
  closeAll(): Promise<void>;
  openDb(opts: { create: boolean }): Promise<Db>;
} {
  let config: Config | undefined;
  const open: Kysely<any>[] = [];
  const context = {
    permissions: collectPermissions(packages),
    handlers: collectHandlers(packages),
    config(): Config {
      config ??= loadConfig();
      return config;
    },
    secretKey(): string {
      const key = context.config().secretKey ?? readDevSecretKey();
      if (!key) {
        throw new CliError(
          `ENDPOINT_SECRET_KEY must be set (or run from the folder where dev-server keeps ${DEV_SECRET_FILE})`,
        );
      }
      return key;
    },
    /** Opens the database; `create` lets SQLite make a new file (init-db, migrate, dev-server). */
    async openDb({ create }: { create: boolean }): Promise<Db> {
      const { databaseUrl } = context.config();
      let db: Db;
      try {
        db = createDb(databaseUrl, { mustExist: !create });
      } catch (error) {
        if ((error as { code?: string }).code === 'SQLITE_CANTOPEN' || /does not exist/.test(String(error))) {
          throw new CliError(`no database at ${databaseUrl}: run \`endpoint init-db\` first`);
        }
        throw error;
      }
      open.push(db);
      return db;
    },
    /** Opens an existing database whose schema is up to date, or says what to run. */
    async db(): Promise<Db> {
      const db = await context.openDb({ create: false });
      const migrations = await createMigrator(db, packages).getMigrations();
      const pending = migrations.filter((migration) => !migration.executedAt);
      if (pending.length > 0) {
        throw new CliError(
          `the database schema is not up to date (${pending.length} pending): run \`endpoint init-db\``,
        );
      }
      return db;
    },
    /** The packages' services over `db()`, built as the server builds them. */
    async services(): Promise<Services> {
      return createServices(packages, {
        db: await context.db(),
        config: context.config(),
        secretKey: context.secretKey,
      });
    },
    async closeAll(): Promise<void> {
      await Promise.all(open.splice(0).map((db) => db.destroy()));
    },
  };
  return context;
}
