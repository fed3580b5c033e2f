// The outbox's cost and the time to a receiver (issue 12). Against `serve --workers 1` as shipped,
// create-user (POST /api/v1/users, bearer token; argon2 included) and change-user (PATCH
// /api/v1/users/:id, no hashing, so the write path shows) throughput, three times:
//  1. no subscription: an emit reads the subscriptions and writes nothing;
//  2. one subscription to every type, the server's sender off (ENDPOINT_HOOK_WORKER=off): the
//     outbox's own cost, a message row in each change's commit;
//  3. the same with the sender on, as shipped: the outbox and delivery to a receiver on loopback
//     answering 204 at once, and the time from each message's emit (its `timestamp`, taken in the
//     change's transaction) to its arrival there: p50 and p99.
// The machine may be shared: the server's CPU time per request (/proc) is the figure that holds.
//   node --import tsx bench/events.ts                          SQLite in a temp dir
//   BENCH_DATABASE_URL=postgres://... node --import tsx bench/events.ts   an empty database
// BENCH_SECONDS (default 10), BENCH_CONNECTIONS (default 8).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);
const BIN = fileURLToPath(new URL('../bin/endpoint.js', import.meta.url));
const PASSWORD = 'correct horse battery staple';
const QUIET_CHANGES = 200;

const dir = mkdtempSync(join(tmpdir(), 'endpoint-events-'));
const databaseUrl = process.env.BENCH_DATABASE_URL ?? `sqlite:${join(dir, 'bench.db')}`;
const env = {
  ...process.env,
  ENDPOINT_DATABASE_URL: databaseUrl,
  ENDPOINT_SECRET_KEY: 'bench-secret-key-that-is-long-enough-0123456789',
  ENDPOINT_EVENTS_ALLOWED_NETWORKS: '127.0.0.0/8',
  ENDPOINT_LOG_LEVEL: 'warn',
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

async function startServe(port: number, extra: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, [BIN, 'serve', '--host', '127.0.0.1', '--port', String(port)], {
    env: { ...env, ...extra },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const deadline = Date.now() + 30_000;
  while ((await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.status !== 200) {
    if (Date.now() > deadline) throw new Error('serve did not start');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return child;
}

/** Arrival time minus emit time of each message a receiver on loopback got. */
const latencies: number[] = [];
const receiver = createHttpServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const { timestamp } = JSON.parse(Buffer.concat(chunks).toString()) as { timestamp: string };
    latencies.push(Date.now() - Date.parse(timestamp));
    response.writeHead(204).end();
  });
});
await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;

let created = 0;
async function load(port: number, token: string, kind: 'create' | 'update', userIds: number[]) {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: CONNECTIONS,
    duration: DURATION,
    requests: [
      {
        setupRequest: (request) => {
          created += 1;
          const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
          if (kind === 'create') {
            const body = JSON.stringify({ username: `u${process.pid}_${created}`, password: PASSWORD });
            return { ...request, method: 'POST', path: '/api/v1/users', headers, body };
          }
          const id = userIds[created % userIds.length];
          const body = JSON.stringify({ first_name: `n${created}` });
          return { ...request, method: 'PATCH', path: `/api/v1/users/${id}`, headers, body };
        },
      },
    ],
  });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${result.non2xx} non-2xx, ${result.errors} errors`);
  return { rps: result.requests.average, p99: result.latency.p99, total: result.requests.total };
}

/** CPU time the process has used, user and system, in microseconds (Linux /proc; clock ticks are 100 Hz). */
function cpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

cli('init-db');
cli('add-user', '--username', 'root', '--password', PASSWORD);
cli('add-group', '--groupname', 'admin');
cli('add-group-member', '--groupname', 'admin', '--membername', 'root');
const token = cli(
  'add-token',
  '--username',
  'root',
  '--name',
  'bench',
  '--scopes',
  'users.add,users.change,users.view',
);
const userIds: number[] = [];
for (let i = 0; i < 20; i++) {
  cli('add-user', '--username', `target${i}`, '--password', PASSWORD);
  userIds.push(i + 2);
}

const rows: string[] = [];
console.log(`${CONNECTIONS} connections, ${DURATION}s each, ${databaseUrl.split(':')[0]}, ${new Date().toISOString()}`);
try {
  for (const phase of ['no subscription', 'a subscription, sender off', 'a subscription, sender on'] as const) {
    const subscribed = phase !== 'no subscription';
    const sending = phase === 'a subscription, sender on';
    // A fresh subscription each time: what the sender-off run left waiting goes with the old one.
    spawnSync(process.execPath, [BIN, 'remove-subscription', '--id', '1'], { env });
    spawnSync(process.execPath, [BIN, 'remove-subscription', '--id', '2'], { env });
    if (subscribed) cli('add-subscription', '--url', receiverUrl, '--events', '*');
    const port = await freePort();
    const server = await startServe(port, sending ? {} : { ENDPOINT_HOOK_WORKER: 'off' });
    try {
      await autocannon({ url: `http://127.0.0.1:${port}/healthz`, connections: 4, duration: 2 });
      latencies.length = 0;
      let sent = 0;
      for (const kind of ['create', 'update'] as const) {
        const cpuBefore = cpuMicros(server.pid ?? 0);
        const { rps, p99, total } = await load(port, token, kind, userIds);
        const cpu = (cpuMicros(server.pid ?? 0) - cpuBefore) / total;
        sent += total;
        rows.push(`${kind}, ${phase}: ${rps.toFixed(1)} req/s, p99 ${p99} ms, ${Math.round(cpu)} µs CPU/request`);
      }
      if (sending) {
        const deadline = Date.now() + 60_000;
        while (latencies.length < sent && Date.now() < deadline)
          await new Promise((resolve) => setTimeout(resolve, 100));
        rows.push(
          `emit to receiver under that load: ${latencies.length} of ${sent} messages, p50 ${percentile(latencies, 50)} ms, p99 ${percentile(latencies, 99)} ms`,
        );
        // One change at a time, each sent before the next: the time without a queue.
        latencies.length = 0;
        for (let i = 0; i < QUIET_CHANGES; i++) {
          const response = await fetch(`http://127.0.0.1:${port}/api/v1/users/${userIds[i % userIds.length]}`, {
            method: 'PATCH',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
            body: JSON.stringify({ last_name: `q${i}` }),
          });
          if (response.status !== 200) throw new Error(`PATCH answered ${response.status}`);
          while (latencies.length <= i) await new Promise((resolve) => setTimeout(resolve, 1));
        }
        rows.push(
          `emit to receiver, one change at a time: ${QUIET_CHANGES} messages, p50 ${percentile(latencies, 50)} ms, p99 ${percentile(latencies, 99)} ms`,
        );
      }
    } finally {
      server.kill('SIGTERM');
      await new Promise((resolve) => server.once('exit', resolve));
    }
  }
  for (const row of rows) console.log(row);
} finally {
  receiver.close();
  rmSync(dir, { recursive: true, force: true });
}
