import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { type Kysely, type Migration, type MigrationProvider, type MigrationResultSet, Migrator } from 'kysely';
import type { AnyPackage } from './package.ts';

// .ts in src/, .js once compiled to dist/; the name recorded in the database has no extension.
const MIGRATION_FILE = /^(\d{4}_\d{2}_\d{2}_\d{6}_[a-z0-9_]+)\.(ts|js)$/;

/**
 * Gathers every package's migrations folder. Names start with their timestamp, so Kysely's
 * order by name is the order in time across packages and foreign keys between them work.
 */
export class PackagesMigrationProvider implements MigrationProvider {
  readonly #packages: readonly AnyPackage[];

  constructor(packages: readonly AnyPackage[]) {
    this.#packages = packages;
  }

  async getMigrations(): Promise<Record<string, Migration>> {
    const migrations: Record<string, Migration> = {};
    for (const pkg of this.#packages) {
      if (!pkg.migrations) continue;
      for (const file of await readdir(fileURLToPath(pkg.migrations))) {
        const name = MIGRATION_FILE.exec(file)?.[1];
        if (name) migrations[name] = await import(new URL(file, pkg.migrations).href);
      }
    }
    return migrations;
  }
}

export function createMigrator(db: Kysely<any>, packages: readonly AnyPackage[]): Migrator {
  return new Migrator({ db, provider: new PackagesMigrationProvider(packages) });
}

/** Migrates to the latest version; like Kysely, reports an error in the result and does not throw. */
export function migrateToLatest(db: Kysely<any>, packages: readonly AnyPackage[]): Promise<MigrationResultSet> {
  return createMigrator(db, packages).migrateToLatest();
}

/** Throws the first migration error, if any, so a caller that only wants success can await it. */
export function assertMigrated({ error, results }: MigrationResultSet): void {
  if (!error) return;
  const failed = results?.find((result) => result.status === 'Error');
  const reason = error instanceof Error ? error.message : String(error);
  throw new Error(failed ? `migration ${failed.migrationName} failed: ${reason}` : `migration failed: ${reason}`);
}
