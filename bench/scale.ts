// S2–S4 at several table sizes (issue 11: "cost must stay flat"): for each size in BENCH_SIZES
// (default 1000,1000000) a fresh database's users and hook_deliveries tables are filled to that
// many rows, then each scenario runs against `serve` as deploy/ runs it and, in the same minute,
// against the raw node:http baseline. SQLite, and PostgreSQL with BENCH_DATABASE_URL; other
// settings as in run.ts (BENCH_WORKERS defaults to 2 here: deploy/'s count).
//   npm run build && node --import tsx bench/scale.ts
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fillTables } from './lib/fill.ts';
import {
  CONNECTIONS,
  DATABASES,
  list,
  login,
  measure,
  row,
  SECONDS,
  scenarios,
  startBaseline,
  startServe,
} from './lib/scenarios.ts';
import { benchDatabase } from './lib/setup.ts';

const SIZES = list('BENCH_SIZES', '1000,1000000').map(Number);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 2);
const SCENARIOS = list('BENCH_SCENARIOS', 'S2,S3,S4');

const rows: string[] = [];
const dir = mkdtempSync(join(tmpdir(), 'endpoint-bench-scale-'));
const { server: baseline, target: baselineTarget } = await startBaseline(dir);
try {
  for (const kind of DATABASES) {
    for (const size of SIZES) {
      const database = await benchDatabase(kind === 'postgres' ? process.env.BENCH_DATABASE_URL : undefined);
      baselineTarget.hookSecret = database.hookSecret;
      try {
        const filling = performance.now();
        await fillTables(database.url, { users: size, deliveries: size });
        console.error(`${kind}: filled to ${size} rows in ${Math.round(performance.now() - filling)} ms`);
        const { server, base } = await startServe(database.url, WORKERS, join(dir, `serve-${kind}-${size}.log`));
        try {
          const target = { base, token: database.token, cookie: await login(base), hookSecret: database.hookSecret };
          for (const key of SCENARIOS) {
            const scenario = scenarios[key];
            const reference = await measure(scenario, baselineTarget);
            const load = await measure(scenario, target);
            const line = row(
              scenario.name,
              kind,
              size.toLocaleString('en'),
              Math.round(load.rps),
              load.p99.toFixed(1),
              Math.round(reference.rps),
              `${(load.rps / reference.rps).toFixed(2)}×`,
            );
            console.error(line);
            rows.push(line);
          }
        } finally {
          await server.stop();
        }
      } finally {
        await database.drop();
      }
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
console.log(`serve --workers ${WORKERS}; wrk -t2 -c${CONNECTIONS}, ${SECONDS} s; S4 on autocannon\n`);
console.log(row('scenario', 'db', 'rows in users and deliveries', 'req/s', 'p99 ms', 'baseline req/s', 'ratio'));
console.log(row('---', '---', '---:', '---:', '---:', '---:', '---:'));
for (const line of rows) console.log(line);
