// Issue 11's load scenarios S1–S5, the settings every bench script shares, and the pieces each
// needs around them: a baseline server, a logged-in session, `serve` started as deploy/ runs it.
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hooksLoad } from './hooks-load.ts';
import { freePort, type Started, startServer } from './processes.ts';
import { type BenchDatabase, BIN, benchDatabase, PASSWORD, serveEnv, USERS } from './setup.ts';
import { type Load, wrk } from './wrk.ts';

export const list = (name: string, fallback: string) => (process.env[name] ?? fallback).split(',').map((s) => s.trim());
export const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
export const WARMUP = Number(process.env.BENCH_WARMUP ?? 2);
export const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
export const WORKERS = list('BENCH_WORKERS', '1,2').map(Number);
export const SCENARIOS = new Set(list('BENCH_SCENARIOS', 'S1,S2,S3,S4,S5'));
/** sqlite, and postgres when BENCH_DATABASE_URL names a server to make databases on. */
export const DATABASES = list('BENCH_DATABASES', 'sqlite,postgres').filter(
  (kind) => kind === 'sqlite' || (kind === 'postgres' && process.env.BENCH_DATABASE_URL),
);
const BASELINE = fileURLToPath(new URL('../baseline-server.mjs', import.meta.url));
const LOGIN_LUA = fileURLToPath(new URL('../login.lua', import.meta.url));
const UNIT = fileURLToPath(new URL('../../deploy/endpoint.service', import.meta.url));

export interface Target {
  base: string;
  token: string;
  cookie: string;
  hookSecret: string;
}

export interface Scenario {
  name: string;
  run(target: Target, seconds: number, connections?: number): Promise<Load>;
}

const get =
  (path: string, headers: (target: Target) => Record<string, string>) =>
  (target: Target, seconds: number, connections = CONNECTIONS) =>
    wrk({ url: target.base + path, seconds, connections, headers: headers(target) });

export const scenarios: Record<string, Scenario> = {
  S1: { name: 'S1 GET /healthz', run: get('/healthz', () => ({})) },
  S2: {
    name: 'S2 GET /api/v1/users/authenticated_user, bearer',
    run: get('/api/v1/users/authenticated_user', (t) => ({ authorization: `Bearer ${t.token}` })),
  },
  S3: {
    name: 'S3 GET /api/v1/users/?limit=50, session',
    run: get('/api/v1/users/?limit=50', (t) => ({ cookie: t.cookie })),
  },
  S4: {
    name: 'S4 POST /hooks/bench, Standard Webhooks (autocannon)',
    run: (t, seconds, connections = CONNECTIONS) =>
      hooksLoad({ base: t.base, path: '/hooks/bench', secret: t.hookSecret, seconds, connections }),
  },
  S5: {
    name: `S5 login, rotating over ${USERS} users`,
    run: (t, seconds, connections = CONNECTIONS) =>
      wrk({
        url: t.base,
        seconds,
        connections,
        script: LOGIN_LUA,
        env: { BENCH_USERS: String(USERS), BENCH_PASSWORD: PASSWORD },
      }),
  },
};

/** A warm-up, then the measured run; a run with any failed request is not a measurement. */
export async function measure(scenario: Scenario, target: Target): Promise<Load> {
  if (WARMUP > 0) await scenario.run(target, WARMUP);
  const load = await scenario.run(target, SECONDS);
  if (load.failures > 0) throw new Error(`${scenario.name} on ${target.base}: ${load.failures} failed requests`);
  return load;
}

/**
 * The scenario on the baseline, then on the target, as the cells of a results row: req/s and p99
 * of each and their ratio. The row is also printed to stderr as it comes.
 */
export async function againstBaseline(
  scenario: Scenario,
  target: Target,
  baseline: Target,
  labels: (string | number)[],
): Promise<string> {
  const reference = await measure(scenario, baseline);
  const load = await measure(scenario, target);
  const line = row(
    scenario.name,
    ...labels,
    Math.round(load.rps),
    load.p99.toFixed(1),
    Math.round(reference.rps),
    reference.p99.toFixed(1),
    `${(load.rps / reference.rps).toFixed(2)}×`,
  );
  console.error(line);
  return line;
}

/** The session cookie of user000, logged in through the API. */
export async function login(base: string): Promise<string> {
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

/** The raw node:http server every scenario is compared with, as a target. */
export async function startBaseline(logDir: string): Promise<{ server: Started; target: Target }> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const server = await startServer([BASELINE, String(port)], `${base}/`, process.env, join(logDir, 'baseline.log'));
  return { server, target: { base, token: 'x', cookie: 'x=x', hookSecret: '' } };
}

/** The node flags of the shipped unit's ExecStart (`/usr/bin/node <flags> bin/endpoint.js serve`). */
function deployedNodeFlags(): string[] {
  const line = /^ExecStart=\S+node((?:\s+--\S+)*)\s+bin\/endpoint\.js serve/m.exec(readFileSync(UNIT, 'utf8'));
  if (!line) throw new Error(`${UNIT}: no ExecStart running bin/endpoint.js serve`);
  return line[1].trim().split(/\s+/).filter(Boolean);
}

/** `serve` on a free port as deploy/ runs it (its node flags, JSON logs at info to a file). */
export async function startServe(
  databaseUrl: string,
  workers: number,
  logFile: string,
): Promise<{ server: Started; base: string }> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const args = [
    ...deployedNodeFlags(),
    BIN,
    'serve',
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--workers',
    String(workers),
  ];
  const server = await startServer(args, `${base}/healthz`, serveEnv(databaseUrl), logFile);
  return { server, base };
}

/** A markdown table row. */
export const row = (...cells: (string | number)[]) => `| ${cells.join(' | ')} |`;

/** Runs `work` on a fresh bench database of `kind` (setup.ts), dropped afterwards. */
export async function onDatabase<T>(kind: string, work: (database: BenchDatabase) => Promise<T>): Promise<T> {
  const database = await benchDatabase(kind === 'postgres' ? process.env.BENCH_DATABASE_URL : undefined);
  try {
    return await work(database);
  } finally {
    await database.drop();
  }
}

/** Runs `work` against `serve` started as deployed (startServe), stopped afterwards. */
export async function onServe<T>(
  databaseUrl: string,
  workers: number,
  logFile: string,
  work: (base: string, server: Started) => Promise<T>,
): Promise<T> {
  const { server, base } = await startServe(databaseUrl, workers, logFile);
  try {
    return await work(base, server);
  } finally {
    await server.stop();
  }
}

/** When and on what a run was made, for the head of its results. */
export function machineFacts(): string {
  const load = loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');
  return [
    `${new Date().toISOString()}; nproc ${cpus().length} (${cpus()[0]?.model}); node ${process.version}`,
    `load average at the end ${load}`,
  ].join('\n');
}
