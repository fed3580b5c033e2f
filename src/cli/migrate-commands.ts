import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { MigrationResultSet } from 'kysely';
import { CliError, runAction } from '../core/cli/run-action.ts';
import { assertMigrated, createMigrator, migrateToLatest } from '../core/migrate.ts';
import { packages } from '../packages/index.ts';
import type { createCliContext } from './context.ts';

type Context = ReturnType<typeof createCliContext>;

function report({ results }: MigrationResultSet, verb: string): void {
  for (const result of results ?? []) {
    process.stderr.write(`${result.status === 'Success' ? verb : 'failed'} ${result.migrationName}\n`);
  }
}

function positiveInteger(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw new CliError(`--steps must be a whole number of 1 or more, got "${value}"`);
  return Number(value);
}

const MIGRATION_TEMPLATE = `import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
}

export async function down(db: Kysely<any>): Promise<void> {
}
`;

function timestamp(now: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${now.getUTCFullYear()}_${pad(now.getUTCMonth() + 1)}_${pad(now.getUTCDate())}_${pad(now.getUTCHours())}${pad(now.getUTCMinutes())}${pad(now.getUTCSeconds())}`;
}

/** Applies every pending migration, reporting each; returns how many ran. Throws on a failure. */
async function applyPending(context: Context): Promise<number> {
  const result = await migrateToLatest(await context.openDb({ create: true }), packages);
  report(result, 'applied');
  assertMigrated(result);
  return result.results?.length ?? 0;
}

export function registerMigrateCommands(program: Command, context: Context): void {
  program
    .command('init-db')
    .description('create the database, or upgrade it to the latest schema (safe to run again)')
    .action(
      runAction(async () => {
        await applyPending(context);
        process.stderr.write(`database ready: ${context.config().databaseUrl}\n`);
      }),
    );

  const migrate = program.command('migrate').description('apply, undo, list and create migrations');
  migrate
    .command('up')
    .description('apply every pending migration')
    .action(
      runAction(async () => {
        if ((await applyPending(context)) === 0) process.stderr.write('nothing to apply\n');
      }),
    );
  migrate
    .command('down')
    .description('undo the latest migrations')
    .option('--steps <n>', 'how many migrations to undo', '1')
    .action(
      runAction(async (options: { steps: string }) => {
        const steps = positiveInteger(options.steps);
        const migrator = createMigrator(await context.openDb({ create: false }), packages);
        for (let step = 0; step < steps; step++) {
          const result = await migrator.migrateDown();
          report(result, 'reverted');
          assertMigrated(result);
          if (!result.results?.length) {
            process.stderr.write('nothing to revert\n');
            break;
          }
        }
      }),
    );
  migrate
    .command('status')
    .description('list migrations with when each was applied')
    .action(
      runAction(async () => {
        const migrations = await createMigrator(await context.openDb({ create: false }), packages).getMigrations();
        for (const migration of migrations) {
          process.stdout.write(
            `${migration.executedAt ? migration.executedAt.toISOString() : 'pending'.padEnd(24)}  ${migration.name}\n`,
          );
        }
      }),
    );
  migrate
    .command('make <name>')
    .description('create a migration file for a package: make <package>_<what_it_does>')
    .action(
      runAction(async (name: string) => {
        if (!/^[a-z][a-z0-9]*(_[a-z0-9]+)+$/.test(name)) {
          throw new CliError('the name must be <package>_<what_it_does> in lower_snake_case, e.g. users_add_phone');
        }
        const pkg = packages.find((candidate) => name.startsWith(`${candidate.name}_`));
        if (!pkg?.migrations) {
          throw new CliError(
            `the name must start with a package that has migrations: ${packages
              .filter((p) => p.migrations)
              .map((p) => p.name)
              .join(', ')}`,
          );
        }
        // Written into the sources of the project in the current directory, never into dist/.
        const folder = join('src', 'packages', pkg.name, 'migrations');
        if (!existsSync(folder)) throw new CliError(`no ${folder} here: run migrate make from the project's root`);
        const file = join(folder, `${timestamp(new Date())}_${name}.ts`);
        await writeFile(file, MIGRATION_TEMPLATE, { flag: 'wx' });
        process.stdout.write(`${file}\n`);
      }),
    );
}
