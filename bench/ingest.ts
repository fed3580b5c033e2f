// Durable hook ingest (issue 11, S4): N connections post unique signed Standard Webhooks
// deliveries to `serve --workers 1|2` (the hook worker on, as shipped; every 202 means committed),
// then the same load on a raw node:http server that reads the body and answers a small JSON,
// measured in the same run so the ratio holds on a noisy machine.
//   node --import tsx bench/ingest.ts            SQLite in a temp dir, --workers 1 and 2
//   BENCH_DATABASE_URL=postgres://... node --import tsx bench/ingest.ts
// BENCH_SECONDS (default 10), BENCH_CONNECTIONS (default 64), BENCH_WORKERS (default "1,2").
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { Webhook } from 'standardwebhooks';

const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const WORKERS = (process.env.BENCH_WORKERS ?? '1,2').split(',').map(Number);
const BIN = fileURLToPath(new URL('../bin/endpoint.js', import.meta.url));

const RAW_SERVER = `
import { createServer } from 'node:http';
createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    response.writeHead(202, { 'content-type': 'application/json' });
    response.end('{"id":1,"status":"pending"}');
  });
}).listen(Number(process.argv[1]), '127.0.0.1', () => console.log('listening'));
`;

const dir = mkdtempSync(join(tmpdir(), 'endpoint-ingest-'));
const databaseUrl = process.env.BENCH_DATABASE_URL ?? `sqlite:${join(dir, 'bench.db')}`;
const env = {
  ...process.env,
  ENDPOINT_DATABASE_URL: databaseUrl,
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
    let seen = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (ready.test(seen)) {
        child.stdout?.removeAllListeners('data');
        child.stdout?.resume();
        resolve(child);
      }
    });
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

let sent = 0;
const payload = JSON.stringify({ type: 'bench.event', data: { n: 1 } });

/** Loads `port` with unique signed deliveries; answers req/s and p99, throwing on any non-2xx. */
async function load(port: number, signer: Webhook) {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: CONNECTIONS,
    duration: DURATION,
    requests: [
      {
        method: 'POST',
        path: '/hooks/bench',
        setupRequest: (request) => {
          const id = `msg_${process.pid}_${sent++}`;
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
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
    throw new Error(`${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`);
  }
  return { rps: result.requests.average, p99: result.latency.p99 };
}

cli('init-db');
const hookName = 'bench';
// A database kept from an earlier run may hold the hook already.
spawnSync(process.execPath, [BIN, 'remove-hook', '--name', hookName], { env });
const signer = new Webhook(cli('add-hook', '--name', hookName, '--handler', 'inbox', '--verify', 'standard'));

try {
  console.log(
    `${CONNECTIONS} connections, ${DURATION}s each, ${databaseUrl.split(':')[0]}, ${new Date().toISOString()}`,
  );
  for (const workers of WORKERS) {
    const rawPort = await freePort();
    const raw = await start(['--input-type=module', '-e', RAW_SERVER, String(rawPort)], /listening/);
    const reference = await load(rawPort, signer);
    await stop(raw);
    const port = await freePort();
    const server = await start(
      [BIN, 'serve', '--host', '127.0.0.1', '--port', String(port), '--workers', String(workers)],
      /Server listening/,
    );
    try {
      // Warm-up: the JIT, the pool, the statement cache.
      await autocannon({ url: `http://127.0.0.1:${port}/healthz`, connections: 8, duration: 2 });
      const { rps, p99 } = await load(port, signer);
      console.log(
        `--workers ${workers}: ${Math.round(rps)} req/s, p99 ${p99} ms; raw node:http ${Math.round(reference.rps)} req/s, ` +
          `p99 ${reference.p99} ms; ratio ${(rps / reference.rps).toFixed(2)}x`,
      );
    } finally {
      await stop(server);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
