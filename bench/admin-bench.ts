// What the admin list benchmarks share: a migrated database of their own, the compiled server
// over it with an admin logged in, and a timer that asks each page RUNS times and prints medians.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Db } from '../src/core/db.ts';

export const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const RUNS = 20;
const PASSWORD = 'bench password 123';

const dist = new URL('../dist/', import.meta.url);
const load = <Module>(path: string) => import(new URL(path, dist).href) as Promise<Module>;
const { buildApp } = await load<typeof import('../src/app.ts')>('app.js');
const { createDb } = await load<typeof import('../src/core/db.ts')>('core/db.js');
const { migrateToLatest } = await load<typeof import('../src/core/migrate.ts')>('core/migrate.js');
const { packages } = await load<typeof import('../src/packages/index.ts')>('packages/index.js');
const { loadConfig } = await load<typeof import('../src/config.ts')>('config.js');
const { OPERATOR } = await load<typeof import('../src/core/actor.ts')>('core/actor.js');

/** A migrated database: SQLite in a temp dir, or BENCH_DATABASE_URL (which must be empty). */
export async function openBenchDatabase() {
  const dir = mkdtempSync(join(tmpdir(), 'endpoint-admin-bench-'));
  const url = process.env.BENCH_DATABASE_URL ?? `sqlite:${join(dir, 'bench.db')}`;
  const db = createDb(url);
  const { error } = await migrateToLatest(db, packages);
  if (error) throw error;
  return { db, url, dir };
}

/** Starts the server over the seeded database, logs an admin in, times each page, and cleans up. */
export async function timePages(
  bench: { db: Db; url: string; dir: string },
  title: string,
  pages: Record<string, string>,
) {
  const config = loadConfig({
    ENDPOINT_DATABASE_URL: bench.url,
    ENDPOINT_SECRET_KEY: 'bench-secret-key-that-is-long-enough-0123456789',
    ENDPOINT_LOG_LEVEL: 'silent',
  });
  const app = await buildApp(config, { db: bench.db });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const admin = await app.users.createUser(OPERATOR, { username: 'benchadmin', password: PASSWORD });
  const group = await app.users.createGroup(OPERATOR, { name: 'admin' });
  await app.users.addMember(OPERATOR, group.id, admin.id);
  const { port } = app.server.address() as { port: number };
  const base = `http://127.0.0.1:${port}`;
  const login = await fetch(`${base}/api/v1/users/authenticate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'benchadmin', password: PASSWORD }),
  });
  const cookie = login.headers
    .getSetCookie()
    .map((line) => line.split(';')[0])
    .join('; ');

  console.log(`${title}, ${bench.url.split(':')[0]}; median of ${RUNS} requests`);
  for (const [name, path] of Object.entries(pages)) {
    const times: number[] = [];
    for (let run = 0; run < RUNS; run += 1) {
      const started = performance.now();
      const response = await fetch(base + path, { headers: { cookie } });
      await response.text();
      if (response.status !== 200) throw new Error(`${path} answered ${response.status}`);
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    console.log(`${name.padEnd(36)} ${times[Math.floor(RUNS / 2)].toFixed(1).padStart(7)} ms`);
  }
  await app.close();
  await bench.db.destroy();
  rmSync(bench.dir, { recursive: true, force: true });
}
