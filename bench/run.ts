// Load benchmark: Endpoint's `serve` (JSON request logs, as in production) against a bare
// Fastify server, each in its own process, loaded from this one with autocannon, so the printed
// ratios hold on a noisy machine. Run with `npm run bench`; BENCH_SECONDS sets each route's time.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { Webhook } from 'standardwebhooks';

const DURATION = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = 50;
const PASSWORD = 'bench password 123';
const BIN = fileURLToPath(new URL('../bin/endpoint.js', import.meta.url));
const BASELINE = fileURLToPath(new URL('./baseline-server.mjs', import.meta.url));

const dir = mkdtempSync(join(tmpdir(), 'endpoint-bench-'));
const env = {
  ...process.env,
  ENDPOINT_DATABASE_URL: process.env.BENCH_DATABASE_URL ?? `sqlite:${join(dir, 'bench.db')}`,
  ENDPOINT_SECRET_KEY: 'bench-secret-key-that-is-long-enough-0123456789',
  // Every call comes from this one address: the per-sender limit would measure itself.
  ENDPOINT_HOOK_RATE_LIMIT: '1000000',
};

function cli(...args: string[]): string {
  const result = spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`endpoint ${args.join(' ')}: ${result.stderr}`);
  return result.stdout.trim();
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Starts a server process and resolves once it prints the line that says it listens. */
function start(args: string[], ready: RegExp): Promise<ChildProcess> {
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      if (ready.test(chunk.toString())) resolve(child);
    });
  });
}

async function load(url: string, headers: Record<string, string> = {}) {
  const result = await autocannon({ url, connections: CONNECTIONS, duration: DURATION, headers });
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return { rps: result.requests.average, p99: result.latency.p99 };
}

cli('init-db');
cli('add-user', '--username', 'bench', '--password', PASSWORD);
const hookSecret = cli('add-hook', '--name', 'bench', '--handler', 'inbox', '--verify', 'standard');
const [port, baselinePort] = [await freePort(), await freePort()];
const server = await start([BIN, 'serve', '--host', '127.0.0.1', '--port', String(port)], /Server listening/);
const baseline = await start([BASELINE, String(baselinePort)], /listening/);
const base = `http://127.0.0.1:${port}`;

try {
  const login = await fetch(`${base}/api/v1/users/authenticate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'bench', password: PASSWORD }),
  });
  const cookie = login.headers.getSetCookie()[0].split(';')[0];
  const routes: [string, string, Record<string, string>][] = [
    ['GET /healthz', '/healthz', {}],
    ['GET /user/login (page)', '/user/login', {}],
    ['GET /api/v1/users/authenticated_user (session)', '/api/v1/users/authenticated_user', { cookie }],
    ['GET / (home page, session)', '/', { cookie }],
  ];

  console.log(`${CONNECTIONS} connections, ${DURATION}s a route, ${env.ENDPOINT_DATABASE_URL.split(':')[0]}`);
  const reference = await load(`http://127.0.0.1:${baselinePort}/`);
  console.log(`baseline bare Fastify: ${Math.round(reference.rps)} req/s, p99 ${reference.p99} ms`);
  for (const [name, path, headers] of routes) {
    const { rps, p99 } = await load(base + path, headers);
    console.log(`${name}: ${Math.round(rps)} req/s, p99 ${p99} ms, ${(rps / reference.rps).toFixed(2)}x baseline`);
  }

  // Every call a new signed Standard Webhooks delivery: verified, committed (synchronous=FULL on
  // SQLite), answered 202, then run by the worker in the same process.
  const signer = new Webhook(hookSecret);
  let sent = 0;
  const payload = JSON.stringify({ type: 'bench.event', data: { n: 1 } });
  const hooks = await autocannon({
    url: base,
    connections: CONNECTIONS,
    duration: DURATION,
    requests: [
      {
        method: 'POST',
        path: '/hooks/bench',
        setupRequest: (request) => {
          const id = `msg_${sent++}`;
          const at = new Date();
          return {
            ...request,
            body: payload,
            headers: {
              'content-type': 'application/json',
              'webhook-id': id,
              'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
              'webhook-signature': signer.sign(id, at, payload),
            },
          };
        },
      },
    ],
  });
  if (hooks.non2xx > 0 || hooks.errors > 0) throw new Error(`hooks: ${hooks.non2xx} non-2xx, ${hooks.errors} errors`);
  const rps = hooks.requests.average;
  console.log(
    `POST /hooks/:name (standard, stored before 202): ${Math.round(rps)} req/s, p99 ${hooks.latency.p99} ms, ` +
      `${(rps / reference.rps).toFixed(2)}x baseline`,
  );

  // Login is argon2id-bound on purpose; measured one at a time for its latency.
  const LOGINS = 20;
  const started = performance.now();
  for (let i = 0; i < LOGINS; i++) {
    await fetch(`${base}/api/v1/users/authenticate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'bench', password: PASSWORD }),
    });
  }
  console.log(`POST /api/v1/users/authenticate: ${((performance.now() - started) / LOGINS).toFixed(1)} ms a login`);
} finally {
  server.kill('SIGTERM');
  baseline.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
