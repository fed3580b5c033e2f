// Load benchmark, issue 11's scenarios S1–S5, against `serve` as deploy/ ships it (JSON logs at
// info, --workers 1 and 2) on SQLite and, with BENCH_DATABASE_URL=postgres://..., PostgreSQL too.
// Each scenario is measured beside a raw node:http server (baseline-server.mjs) in the same minute,
// and printed as a ratio to it, so figures from a noisy, shared machine stay comparable.
// Also: idle RSS per process against a bare node process, cold start to the first 200.
// Run with `npm run build && npm run bench`. Environment: BENCH_SECONDS (10), BENCH_WARMUP (2),
// BENCH_CONNECTIONS (64), BENCH_WORKERS (1,2), BENCH_SCENARIOS (S1,S2,S3,S4,S5),
// BENCH_DATABASES (sqlite,postgres: PostgreSQL only when BENCH_DATABASE_URL is set).
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hooksLoad } from './lib/hooks-load.ts';
import { bareNodeRssMiB, childPids, freePort, rssMiB, startServer } from './lib/processes.ts';
import { BIN, benchDatabase, PASSWORD, serveEnv, USERS } from './lib/setup.ts';
import { type Load, wrk } from './lib/wrk.ts';

const list = (name: string, fallback: string) => (process.env[name] ?? fallback).split(',').map((s) => s.trim());
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const WORKERS = list('BENCH_WORKERS', '1,2').map(Number);
const SCENARIOS = new Set(list('BENCH_SCENARIOS', 'S1,S2,S3,S4,S5'));
const DATABASES = list('BENCH_DATABASES', 'sqlite,postgres').filter(
  (kind) => kind === 'sqlite' || (kind === 'postgres' && process.env.BENCH_DATABASE_URL),
);
const BASELINE = fileURLToPath(new URL('./baseline-server.mjs', import.meta.url));
const LOGIN_LUA = fileURLToPath(new URL('./login.lua', import.meta.url));

interface Target {
  base: string;
  token: string;
  cookie: string;
  hookSecret: string;
}

interface Scenario {
  name: string;
  run(target: Target, seconds: number): Promise<Load>;
}

const get = (path: string, headers: (target: Target) => Record<string, string>) => (target: Target, seconds: number) =>
  wrk({ url: target.base + path, seconds, connections: CONNECTIONS, headers: headers(target) });

const scenarios: Record<string, Scenario> = {
  S1: { name: 'S1 GET /healthz', run: get('/healthz', () => ({})) },
  S2: {
    name: 'S2 GET /api/v1/users/authenticated_user, bearer',
    run: get('/api/v1/users/authenticated_user', (t) => ({ authorization: `Bearer ${t.token}` })),
  },
  S3: {
    name: `S3 GET /api/v1/users/?limit=50, session, ${USERS} users`,
    run: get('/api/v1/users/?limit=50', (t) => ({ cookie: t.cookie })),
  },
  S4: {
    name: 'S4 POST /hooks/bench, Standard Webhooks (autocannon)',
    run: (t, seconds) =>
      hooksLoad({ base: t.base, path: '/hooks/bench', secret: t.hookSecret, seconds, connections: CONNECTIONS }),
  },
  S5: {
    name: `S5 login, rotating over ${USERS} users`,
    run: (t, seconds) =>
      wrk({
        url: t.base,
        seconds,
        connections: CONNECTIONS,
        script: LOGIN_LUA,
        env: { BENCH_USERS: String(USERS), BENCH_PASSWORD: PASSWORD },
      }),
  },
};

async function measure(scenario: Scenario, target: Target): Promise<Load> {
  if (WARMUP > 0) await scenario.run(target, WARMUP);
  const load = await scenario.run(target, SECONDS);
  if (load.failures > 0) throw new Error(`${scenario.name} on ${target.base}: ${load.failures} failed requests`);
  return load;
}

async function login(base: string): Promise<string> {
  const response = await fetch(`${base}/api/v1/users/authenticate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'user000', password: PASSWORD }),
  });
  if (response.status !== 200) throw new Error(`login answered ${response.status}`);
  return response.headers
    .getSetCookie()
    .map((line) => line.split(';')[0])
    .join('; ');
}

const rows: string[] = [];
const resources: string[] = [];
const row = (...cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
const dir = mkdtempSync(join(tmpdir(), 'endpoint-bench-logs-'));
const baselinePort = await freePort();
const baseline = await startServer(
  [BASELINE, String(baselinePort)],
  `http://127.0.0.1:${baselinePort}/`,
  process.env,
  join(dir, 'baseline.log'),
);
const baselineTarget: Target = { base: `http://127.0.0.1:${baselinePort}`, token: 'x', cookie: 'x=x', hookSecret: '' };
const bareRss = await bareNodeRssMiB();
try {
  for (const kind of DATABASES) {
    const database = await benchDatabase(kind === 'postgres' ? process.env.BENCH_DATABASE_URL : undefined);
    // The baseline ignores signatures, but S4 signs with the hook's secret either way.
    baselineTarget.hookSecret = database.hookSecret;
    try {
      for (const workers of WORKERS) {
        const port = await freePort();
        const base = `http://127.0.0.1:${port}`;
        const server = await startServer(
          [BIN, 'serve', '--host', '127.0.0.1', '--port', String(port), '--workers', String(workers)],
          `${base}/healthz`,
          serveEnv(database.url),
          join(dir, `serve-${kind}-${workers}.log`),
        );
        try {
          await new Promise((resolve) => setTimeout(resolve, 1000));
          const pid = server.child.pid as number;
          const pids = workers > 1 ? [pid, ...childPids(pid)] : [pid];
          const rss = pids.map((p) => rssMiB(p));
          resources.push(
            row(
              kind,
              workers,
              Math.round(server.coldStartMs),
              rss.map((r) => r.toFixed(0)).join(' + '),
              (Math.max(...rss) / bareRss).toFixed(2),
            ),
          );
          const target: Target = {
            base,
            token: database.token,
            cookie: await login(base),
            hookSecret: database.hookSecret,
          };
          for (const [key, scenario] of Object.entries(scenarios)) {
            if (!SCENARIOS.has(key)) continue;
            const reference = await measure(scenario, baselineTarget);
            const load = await measure(scenario, target);
            const line = row(
              scenario.name,
              kind,
              workers,
              Math.round(load.rps),
              load.p99.toFixed(1),
              Math.round(reference.rps),
              reference.p99.toFixed(1),
              `${(load.rps / reference.rps).toFixed(2)}×`,
            );
            console.error(line);
            rows.push(line);
          }
        } finally {
          await server.stop();
        }
      }
    } finally {
      await database.drop();
    }
  }
} finally {
  await baseline.stop();
  rmSync(dir, { recursive: true, force: true });
}

console.log(`${new Date().toISOString()}; nproc ${cpus().length} (${cpus()[0]?.model}); node ${process.version}`);
console.log(
  `load average at the end ${loadavg()
    .map((n) => n.toFixed(2))
    .join(' ')}`,
);
console.log(`wrk -t2 -c${CONNECTIONS}, ${SECONDS} s after a ${WARMUP} s warm-up; S4 on autocannon, same connections\n`);
console.log(row('scenario', 'db', 'workers', 'req/s', 'p99 ms', 'baseline req/s', 'baseline p99 ms', 'ratio'));
console.log(row('---', '---', '---', '---:', '---:', '---:', '---:', '---:'));
for (const line of rows) console.log(line);
console.log(`\nbare node process: ${bareRss.toFixed(0)} MiB RSS\n`);
console.log(row('db', 'workers', 'cold start to first 200, ms', 'idle RSS per process, MiB', 'largest ÷ bare node'));
console.log(row('---', '---', '---:', '---:', '---:'));
for (const line of resources) console.log(line);
