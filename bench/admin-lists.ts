// The admin's list pages on 100,000 users: first page, a page deep in the list (keyset), a
// search and a filter, each timed over real HTTP to the compiled server. SQLite by default;
// BENCH_DATABASE_URL=postgres://... for PostgreSQL (the database must be empty).
// Run with `npm run build && node --import tsx bench/admin-lists.ts`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const RUNS = 20;
const PASSWORD = 'bench password 123';

const dist = new URL('../dist/', import.meta.url);
const { buildApp } = (await import(new URL('app.js', dist).href)) as typeof import('../src/app.ts');
const { createDb } = (await import(new URL('core/db.js', dist).href)) as typeof import('../src/core/db.ts');
const { migrateToLatest } = (await import(
  new URL('core/migrate.js', dist).href
)) as typeof import('../src/core/migrate.ts');
const { packages } = (await import(
  new URL('packages/index.js', dist).href
)) as typeof import('../src/packages/index.ts');
const { loadConfig } = (await import(new URL('config.js', dist).href)) as typeof import('../src/config.ts');
const { OPERATOR } = (await import(new URL('core/actor.js', dist).href)) as typeof import('../src/core/actor.ts');

const dir = mkdtempSync(join(tmpdir(), 'endpoint-admin-bench-'));
const databaseUrl = process.env.BENCH_DATABASE_URL ?? `sqlite:${join(dir, 'bench.db')}`;
const config = loadConfig({
  ENDPOINT_DATABASE_URL: databaseUrl,
  ENDPOINT_SECRET_KEY: 'bench-secret-key-that-is-long-enough-0123456789',
  ENDPOINT_LOG_LEVEL: 'silent',
});
const db = createDb(databaseUrl);
const { error } = await migrateToLatest(db, packages);
if (error) throw error;

const at = new Date().toISOString();
for (let start = 0; start < ROWS; start += 1000) {
  const rows = Array.from({ length: Math.min(1000, ROWS - start) }, (_, i) => {
    const username = `user${String(start + i).padStart(6, '0')}`;
    return {
      username,
      username_key: username,
      password_hash: 'x',
      first_name: '',
      last_name: '',
      email: `${username}@example.com`,
      active: (start + i) % 10 === 0 ? 0 : 1,
      created_at: at,
      updated_at: at,
      last_login_at: null,
    };
  });
  await db.insertInto('users').values(rows).execute();
}

const app = await buildApp(config, { db });
await app.listen({ host: '127.0.0.1', port: 0 });
const admin = await app.users.createUser({ username: 'benchadmin', password: PASSWORD });
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

const deep = Buffer.from(JSON.stringify([`user${String(Math.floor(ROWS * 0.9)).padStart(6, '0')}`, 0])).toString(
  'base64url',
);
const pages = {
  'first page, newest first': '/admin/users/users/',
  'first page by username': '/admin/users/users/?sort=username',
  'page at 90% by username (keyset)': `/admin/users/users/?sort=username&after=${deep}`,
  'search "user0999"': '/admin/users/users/?q=user0999',
  'filter inactive': '/admin/users/users/?f_active=0',
  index: '/admin',
};

console.log(`${ROWS} users, ${databaseUrl.split(':')[0]}; median of ${RUNS} requests`);
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
await db.destroy();
rmSync(dir, { recursive: true, force: true });
