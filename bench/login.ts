// S5 against its real ceiling, and what logging in costs everyone else (issue 11): the argon2id
// rate two cores reach with the app's own parameters (hashing here, in this process, before any
// server runs), then S5 on `serve` as deploy/ runs it with a light probe of /healthz alongside (one
// request every 20 ms, so the probe itself takes no CPU from the logins) whose p99 says whether
// password hashing starves other requests.
// Target: logins/s ≥ 0.8 × the argon2id rate; /healthz p99 < 50 ms while S5 saturates the CPU.
//   npm run build && node --import tsx bench/login.ts   (SQLite; BENCH_DATABASE_URL for PostgreSQL)
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { verify } from '@node-rs/argon2';
import {
  CONNECTIONS,
  DATABASES,
  machineFacts,
  onDatabase,
  onServe,
  row,
  SECONDS,
  scenarios,
  WARMUP,
} from './lib/scenarios.ts';
import { PASSWORD } from './lib/setup.ts';

const WORKERS = Number(process.env.BENCH_WORKERS ?? 2);

const { hashPassword } = (await import(
  new URL('../dist/packages/users/passwords.js', import.meta.url).href
)) as typeof import('../src/packages/users/passwords.ts');

/** Verifications a second with every core busy: each runs on libuv's pool, as in the server. */
async function argon2idRate(seconds: number): Promise<number> {
  const stored = await hashPassword(PASSWORD);
  const deadline = performance.now() + seconds * 1000;
  let done = 0;
  const lane = async () => {
    while (performance.now() < deadline) {
      if (!(await verify(stored, PASSWORD))) throw new Error('argon2id verify refused its own hash');
      done++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: availableParallelism() * 2 }, lane));
  return done / ((performance.now() - started) / 1000);
}

/** Milliseconds each /healthz took, asked one at a time every 20 ms for `seconds`. */
async function probeLatencies(base: string, seconds: number): Promise<number[]> {
  const took: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  while (performance.now() < deadline) {
    const started = performance.now();
    const response = await fetch(`${base}/healthz`);
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`/healthz answered ${response.status}`);
    took.push(performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return took;
}

function percentile(values: number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))];
}

const rows: string[] = [];
const dir = mkdtempSync(join(tmpdir(), 'endpoint-bench-login-'));
const reference = await argon2idRate(SECONDS);
console.error(`argon2id, ${availableParallelism()} cores: ${reference.toFixed(0)} verifications/s`);
try {
  for (const kind of DATABASES) {
    await onDatabase(kind, (database) =>
      onServe(database.url, WORKERS, join(dir, `serve-${kind}.log`), async (base) => {
        const target = { base, token: database.token, cookie: '', hookSecret: database.hookSecret };
        if (WARMUP > 0) await scenarios.S5.run(target, WARMUP);
        const [logins, probe] = await Promise.all([scenarios.S5.run(target, SECONDS), probeLatencies(base, SECONDS)]);
        if (logins.failures > 0) throw new Error(`S5: ${logins.failures} failed requests`);
        const line = row(
          kind,
          Math.round(logins.rps),
          logins.p99.toFixed(0),
          `${(logins.rps / reference).toFixed(2)}×`,
          percentile(probe, 0.5).toFixed(1),
          percentile(probe, 0.99).toFixed(1),
        );
        console.error(line);
        rows.push(line);
      }),
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

console.log(machineFacts());
console.log(`argon2id (the app's parameters), every core busy: ${reference.toFixed(0)} verifications/s`);
console.log(
  `serve --workers ${WORKERS}; S5 on wrk -t2 -c${CONNECTIONS}, ${SECONDS} s; /healthz every 20 ms meanwhile\n`,
);
console.log(row('db', 'logins/s', 'login p99 ms', '÷ argon2id rate', '/healthz p50 ms', '/healthz p99 ms'));
console.log(row('---', '---:', '---:', '---:', '---:', '---:'));
for (const line of rows) console.log(line);
