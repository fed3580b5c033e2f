// A database ready for S1–S5: user000 in the admin group with a bearer token, 101 more users
// sharing its password, and a Standard Webhooks hook. The CLI does what it can, as an operator
// would; the 101 users are copied from user000's row, since hashing 101 passwords would take
// longer than the benchmark.

import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { buildIsFresh } from '../../bin/freshness.js';

export const BIN = fileURLToPath(new URL('../../bin/endpoint.js', import.meta.url));
// After an edit to src/, bin/endpoint.js runs the sources through tsx: not what deploy/ ships.
if (!buildIsFresh(fileURLToPath(new URL('../../', import.meta.url)))) {
  throw new Error('dist/ is older than src/: run `npm run build` before benchmarking');
}
export const PASSWORD = 'bench password 123';
export const USERS = 102;
export const SECRET_KEY = 'bench-secret-key-that-is-long-enough-0123456789';

export interface BenchDatabase {
  kind: 'sqlite' | 'postgres';
  url: string;
  token: string;
  hookSecret: string;
  drop(): Promise<void>;
}

/** The environment `serve` gets: as deploy/ ships it, but one sender may post any number of hooks. */
export function serveEnv(url: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    ENDPOINT_DATABASE_URL: url,
    ENDPOINT_SECRET_KEY: SECRET_KEY,
    ENDPOINT_LOG_LEVEL: 'info',
    // Every call comes from this one address: the per-sender limit would measure itself.
    ENDPOINT_HOOK_RATE_LIMIT: '1000000',
  };
}

function cli(url: string, ...args: string[]): string {
  const result = spawnSync(process.execPath, [BIN, ...args], { env: serveEnv(url), encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`endpoint ${args.join(' ')}: ${result.stderr}`);
  return result.stdout.trim();
}

/** A fresh SQLite file, or a fresh database on the PostgreSQL server at `postgresUrl`. */
async function emptyDatabase(postgresUrl: string | undefined) {
  if (!postgresUrl) {
    const dir = mkdtempSync(join(tmpdir(), 'endpoint-bench-'));
    return {
      kind: 'sqlite' as const,
      url: `sqlite:${join(dir, 'bench.db')}`,
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const name = `endpoint_bench_${randomBytes(4).toString('hex')}`;
  const admin = async (query: string) => {
    const client = new pg.Client({ connectionString: postgresUrl });
    await client.connect();
    await client.query(query);
    await client.end();
  };
  await admin(`create database ${name}`);
  const url = new URL(postgresUrl);
  url.pathname = `/${name}`;
  return { kind: 'postgres' as const, url: url.toString(), drop: () => admin(`drop database ${name} with (force)`) };
}

export async function benchDatabase(postgresUrl: string | undefined): Promise<BenchDatabase> {
  const database = await emptyDatabase(postgresUrl);
  const { url } = database;
  cli(url, 'init-db');
  cli(url, 'add-user', '--username', 'user000', '--password', PASSWORD);
  cli(url, 'add-group', '--groupname', 'admin');
  cli(url, 'add-group-member', '--groupname', 'admin', '--membername', 'user000');
  const token = cli(url, 'add-token', '--username', 'user000', '--name', 'bench');
  const hookSecret = cli(url, 'add-hook', '--name', 'bench', '--handler', 'inbox', '--verify', 'standard');

  const { createDb } = (await import(
    new URL('../../dist/core/db.js', import.meta.url).href
  )) as typeof import('../../src/core/db.ts');
  const db = createDb(url);
  const first = await db.selectFrom('users').selectAll().where('username', '=', 'user000').executeTakeFirstOrThrow();
  const { id: _, ...template } = first;
  const rows = Array.from({ length: USERS - 1 }, (_, i) => {
    const username = `user${String(i + 1).padStart(3, '0')}`;
    return { ...template, active: 1, username, username_key: username, email: `${username}@example.com` };
  });
  await db.insertInto('users').values(rows).execute();
  await db.destroy();
  return { ...database, token, hookSecret };
}
