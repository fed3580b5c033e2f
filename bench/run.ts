// Load benchmark: Endpoint's routes against a bare Fastify "hello" server measured in the same
// run, so the printed ratios hold on a noisy machine. Run with `npm run bench`.
// Each route is loaded for DURATION seconds with autocannon; the ratio is route / baseline req/s.

import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import { buildApp, packages } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { createDb } from '../src/core/db.ts';
import { assertMigrated, migrateToLatest } from '../src/core/migrate.ts';

const DURATION = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = 50;
const PASSWORD = 'bench password 123';

async function load(url: string, headers: Record<string, string> = {}) {
  const result = await autocannon({ url, connections: CONNECTIONS, duration: DURATION, headers });
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return { rps: result.requests.average, p99: result.latency.p99 };
}

function address(server: { server: { address(): unknown } }): string {
  return `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
}

const dir = mkdtempSync(join(tmpdir(), 'endpoint-bench-'));
const config = loadConfig({
  ENDPOINT_DATABASE_URL: process.env.BENCH_DATABASE_URL ?? `sqlite:${join(dir, 'bench.db')}`,
  ENDPOINT_SECRET_KEY: 'bench-secret-key-that-is-long-enough-0123456789',
  ENDPOINT_LOG_LEVEL: 'silent',
});
const db = createDb(config.databaseUrl);
assertMigrated(await migrateToLatest(db, packages));
const app = await buildApp(config, { db });
await app.listen({ host: '127.0.0.1', port: 0 });
const base = address(app);

await app.users.createUser({ username: 'bench', password: PASSWORD });
const login = await fetch(`${base}/api/v1/users/authenticate`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ username: 'bench', password: PASSWORD }),
});
const cookie = login.headers.getSetCookie()[0].split(';')[0];

const baseline = Fastify();
baseline.get('/', async () => ({ hello: 'world' }));
await baseline.listen({ host: '127.0.0.1', port: 0 });

const routes: [string, string, Record<string, string>][] = [
  ['GET /healthz', '/healthz', {}],
  ['GET /user/login (page)', '/user/login', {}],
  ['GET /api/v1/users/authenticated_user (session)', '/api/v1/users/authenticated_user', { cookie }],
  ['GET / (home page, session)', '/', { cookie }],
];

console.log(`${CONNECTIONS} connections, ${DURATION}s a route, ${config.databaseUrl.split(':')[0]}`);
const reference = await load(`${address(baseline)}/`);
console.log(`baseline bare Fastify: ${Math.round(reference.rps)} req/s, p99 ${reference.p99} ms`);
for (const [name, path, headers] of routes) {
  const { rps, p99 } = await load(base + path, headers);
  console.log(`${name}: ${Math.round(rps)} req/s, p99 ${p99} ms, ${(rps / reference.rps).toFixed(2)}x baseline`);
}

// Login is argon2-bound by design; measured sequentially for its latency.
const started = performance.now();
const LOGINS = 20;
for (let i = 0; i < LOGINS; i++) {
  await fetch(`${base}/api/v1/users/authenticate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'bench', password: PASSWORD }),
  });
}
console.log(
  `POST /api/v1/users/authenticate: ${((performance.now() - started) / LOGINS).toFixed(1)} ms a login (sequential)`,
);

await baseline.close();
await app.close();
await db.destroy();
rmSync(dir, { recursive: true, force: true });
