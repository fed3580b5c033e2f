import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import type { Db } from '../src/core/db.ts';
import { createDb } from './helpers/built.ts';
import { runCli } from './helpers/cli.ts';
import { createTestDatabase, DATABASE_KIND } from './helpers/database.ts';

const USERS_MIGRATIONS = fileURLToPath(new URL('../src/packages/users/migrations/', import.meta.url));
const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'endpoint-migrations-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Tables and their columns, without Kysely's own bookkeeping tables, the named indexes (a migration
 * may add only one) and the triggers (a migration may add nothing else).
 */
async function schema(db: Db) {
  const tables = await db.introspection.getTables();
  const triggers =
    DATABASE_KIND === 'postgres'
      ? await sql<{
          name: string;
        }>`select distinct trigger_name as name from information_schema.triggers where trigger_schema = current_schema()`.execute(
          db,
        )
      : await sql<{ name: string }>`select name from sqlite_master where type = 'trigger'`.execute(db);
  const indexes =
    DATABASE_KIND === 'postgres'
      ? await sql<{
          name: string;
        }>`select indexname as name from pg_indexes where schemaname = current_schema()`.execute(db)
      : await sql<{ name: string }>`select name from sqlite_master where type = 'index' and sql is not null`.execute(
          db,
        );
  return {
    tables: tables
      .map((table) => ({ name: table.name, columns: table.columns.map((column) => column.name).sort() }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    indexes: indexes.rows
      .map((row) => row.name)
      .filter((name) => !name.startsWith('kysely_'))
      .sort(),
    triggers: triggers.rows.map((row) => row.name).sort(),
  };
}

/** `migrate status` as [when applied or 'pending', migration name] pairs. */
function statusLines(stdout: string): [string, string][] {
  return stdout
    .trimEnd()
    .split('\n')
    .map((line) => line.split(/\s+/) as [string, string]);
}

describe('migrations', () => {
  it('applies every migration, reverts each, and applies them all again', async (t) => {
    const database = await createTestDatabase();
    // Opening it here also creates the SQLite file, empty, as a PostgreSQL database starts.
    const db = createDb(database.url);
    t.after(async () => {
      await db.destroy();
      await database.drop();
    });
    const cwd = tempDir(t);
    const migrate = async (...args: string[]) => {
      const result = await runCli(['migrate', ...args], { cwd, env: { ENDPOINT_DATABASE_URL: database.url } });
      assert.equal(result.code, 0, result.stderr);
      return result;
    };

    const fresh = statusLines((await migrate('status')).stdout);
    const names = fresh.map(([, name]) => name);
    assert.ok(names.includes('2026_11_24_120000_users_create_users'), names.join(', '));
    assert.deepEqual(names, [...names].sort(), 'listed in the order they apply');
    assert.deepEqual(
      fresh.map(([when]) => when),
      names.map(() => 'pending'),
    );

    assert.equal((await migrate('up')).stderr, names.map((name) => `applied ${name}\n`).join(''));
    const applied = statusLines((await migrate('status')).stdout);
    assert.deepEqual(
      applied.map(([, name]) => name),
      names,
    );
    for (const [when] of applied) assert.match(when, ISO_TIME);
    const migrated = await schema(db);
    assert.ok(migrated.tables.some((table) => table.name === 'users'));

    const latest = names.at(-1);
    assert.equal((await migrate('down')).stderr, `reverted ${latest}\n`);
    const afterOne = statusLines((await migrate('status')).stdout);
    assert.deepEqual(afterOne.at(-1), ['pending', latest]);
    for (const [when] of afterOne.slice(0, -1)) assert.match(when, ISO_TIME);
    assert.notDeepEqual(await schema(db), migrated, 'the latest migration’s changes are undone');

    // One step more than remains: every other migration reverts, newest first, then it stops.
    const rest = names.slice(0, -1).reverse();
    assert.equal(
      (await migrate('down', '--steps', String(names.length))).stderr,
      `${rest.map((name) => `reverted ${name}\n`).join('')}nothing to revert\n`,
    );
    assert.deepEqual(
      await schema(db),
      { tables: [], indexes: [], triggers: [] },
      'every table, index and trigger is gone',
    );

    assert.equal((await migrate('up')).stderr, names.map((name) => `applied ${name}\n`).join(''));
    assert.deepEqual(await schema(db), migrated, 'the schema is rebuilt exactly');
    assert.equal((await migrate('up')).stderr, 'nothing to apply\n');
  });

  it('migrate make writes a migration template into the package folder of the project it runs in', async (t) => {
    // A stand-in project root, so the real source tree never holds an unfinished migration.
    const cwd = tempDir(t);
    const folder = join(cwd, 'src', 'packages', 'users', 'migrations');
    mkdirSync(folder, { recursive: true });
    const result = await runCli(['migrate', 'make', 'users_add_thing'], { cwd });
    assert.equal(result.code, 0, result.stderr);
    const file = join(cwd, result.stdout.trim());
    assert.equal(dirname(file), folder);
    assert.match(basename(file), /^\d{4}_\d\d_\d\d_\d{6}_users_add_thing\.ts$/);
    const text = readFileSync(file, 'utf8');
    assert.match(text, /export async function up\(db: Kysely<any>\): Promise<void>/);
    assert.match(text, /export async function down\(db: Kysely<any>\): Promise<void>/);
  });

  it('migrate make refuses to run outside a project root', async (t) => {
    const result = await runCli(['migrate', 'make', 'users_add_thing'], { cwd: tempDir(t) });
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /^error: no src\/packages\/users\/migrations here: run migrate make from the project's root\n$/,
    );
  });

  it('migrate make refuses a name without a package prefix, or with an unknown package', async (t) => {
    const cwd = tempDir(t);
    const before = new Set(readdirSync(USERS_MIGRATIONS));
    const [bad, unknown] = await Promise.all([
      runCli(['migrate', 'make', 'badname'], { cwd }),
      runCli(['migrate', 'make', 'nosuchpackage_add_thing'], { cwd }),
    ]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^error: the name must be <package>_<what_it_does> in lower_snake_case/);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /^error: the name must start with a package that has migrations: .*\busers\b/);
    for (const result of [bad, unknown]) assert.equal(result.stderr.trimEnd().split('\n').length, 1);
    assert.deepEqual(new Set(readdirSync(USERS_MIGRATIONS)), before, 'no file is written');
  });
});
