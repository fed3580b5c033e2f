// The hooks admin pages on 100,000 deliveries: first page, a page deep in the list (keyset), by
// hook, by status, the search by time, a hook's page with its counts, refused calls; each timed
// over real HTTP to the compiled server. SQLite by default; BENCH_DATABASE_URL=postgres://... for
// PostgreSQL (the database must be empty). Run with `npm run build && node --import tsx bench/hooks-lists.ts`.
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

const dir = mkdtempSync(join(tmpdir(), 'endpoint-hooks-bench-'));
const databaseUrl = process.env.BENCH_DATABASE_URL ?? `sqlite:${join(dir, 'bench.db')}`;
const config = loadConfig({
  ENDPOINT_DATABASE_URL: databaseUrl,
  ENDPOINT_SECRET_KEY: 'bench-secret-key-that-is-long-enough-0123456789',
  ENDPOINT_LOG_LEVEL: 'silent',
});
const db = createDb(databaseUrl);
const { error } = await migrateToLatest(db, packages);
if (error) throw error;

const HOOKS = 10;
const hookIds: number[] = [];
for (let h = 0; h < HOOKS; h += 1) {
  const row = await db
    .insertInto('hooks')
    .values({
      name: `hook${h}`,
      handler: 'inbox',
      verify_mode: 'github',
      secrets: '[]',
      legacy_path: null,
      created_at: new Date().toISOString(),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  hookIds.push(row.id);
}
// One a second, oldest first, spread over the hooks; one in twenty failed.
const start = Date.UTC(2026, 0, 1);
const time = (n: number) => new Date(start + n * 1000).toISOString();
for (let first = 0; first < ROWS; first += 1000) {
  const rows = Array.from({ length: Math.min(1000, ROWS - first) }, (_, i) => {
    const n = first + i;
    const failed = n % 20 === 0;
    return {
      hook_id: hookIds[n % HOOKS],
      external_id: `d${n}`,
      status: failed ? ('failed' as const) : ('done' as const),
      attempts: failed ? 10 : 1,
      next_attempt_at: time(n),
      received_at: time(n),
      processed_at: failed ? null : time(n),
      content_type: 'application/json',
      headers: '{"content-type":"application/json"}',
      body: Buffer.from(`{"n":${n}}`),
      sender_ip: '203.0.113.1',
      last_error: failed ? 'boom' : null,
    };
  });
  await db.insertInto('hook_deliveries').values(rows).execute();
}
for (let first = 0; first < 1000 * HOOKS; first += 1000) {
  const rows = Array.from({ length: 1000 }, (_, i) => ({
    hook_id: hookIds[(first + i) % HOOKS],
    received_at: time(first + i),
    reason: 'signature invalid',
    sender_ip: '203.0.113.2',
    headers: '{}',
    body_preview: Buffer.from('{}'),
    body_size: 2,
  }));
  await db.insertInto('hook_refused_calls').values(rows).execute();
}

const app = await buildApp(config, { db });
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

// The cursor of the delivery 90% down the newest-first list, as a page's `next` would carry it.
const deepN = Math.floor(ROWS * 0.1);
const deepRow = await db
  .selectFrom('hook_deliveries')
  .select('id')
  .where('external_id', '=', `d${deepN}`)
  .executeTakeFirstOrThrow();
const deep = Buffer.from(`${time(deepN)}_${deepRow.id}`).toString('base64url');
const pages = {
  'deliveries, first page': '/admin/hooks/deliveries/',
  'deliveries, page at 90% (keyset)': `/admin/hooks/deliveries/?after=${deep}`,
  'deliveries of one hook': '/admin/hooks/deliveries/?q=hook3',
  'deliveries failed': '/admin/hooks/deliveries/?f_status=failed',
  'search: hook, failed, a day': `/admin/hooks/search?hook=hook3&status=failed&since=2026-01-01T12:00&until=2026-01-02T12:00`,
  'search: page at 90% (keyset)': `/admin/hooks/search?after=${deep}`,
  'hook page (counts, recent)': `/admin/hooks/hooks/${hookIds[3]}`,
  'refused calls, first page': '/admin/hooks/refused/',
  'replay-failed confirmation': '/admin/hooks/replay-failed?hook=hook3',
};

console.log(`${ROWS} deliveries over ${HOOKS} hooks, ${databaseUrl.split(':')[0]}; median of ${RUNS} requests`);
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
