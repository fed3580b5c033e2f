// S2–S4 at several table sizes (issue 11: "cost must stay flat"): for each size in BENCH_SIZES
// (default 1000,1000000) a fresh database's users and hook_deliveries tables are filled to that
// many rows, then each scenario runs against `serve` as deploy/ runs it and, in the same minute,
// against the raw node:http baseline. SQLite, and PostgreSQL with BENCH_DATABASE_URL; other
// settings as in run.ts (BENCH_WORKERS defaults to 2 here: deploy/'s count).
//   npm run build && node --import tsx bench/scale.ts
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fillTables } from './lib/fill.ts';
import {
  againstBaseline,
  CONNECTIONS,
  DATABASES,
  list,
  login,
  machineFacts,
  onDatabase,
  onServe,
  row,
  SECONDS,
  scenarios,
  startBaseline,
} from './lib/scenarios.ts';

const SIZES = list('BENCH_SIZES', '1000,1000000').map(Number);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 2);
const SCENARIOS = list('BENCH_SCENARIOS', 'S2,S3,S4');

const rows: string[] = [];
const dir = mkdtempSync(join(tmpdir(), 'endpoint-bench-scale-'));
const { server: baseline, target: baselineTarget } = await startBaseline(dir);
try {
  for (const kind of DATABASES) {
    for (const size of SIZES) {
      await onDatabase(kind, async (database) => {
        baselineTarget.hookSecret = database.hookSecret;
        const filling = performance.now();
        await fillTables(database.url, { users: size, deliveries: size });
        console.error(`${kind}: filled to ${size} rows in ${Math.round(performance.now() - filling)} ms`);
        await onServe(database.url, WORKERS, join(dir, `serve-${kind}-${size}.log`), async (base) => {
          const target = { base, token: database.token, cookie: await login(base), hookSecret: database.hookSecret };
          for (const key of SCENARIOS) {
            rows.push(await againstBaseline(scenarios[key], target, baselineTarget, [kind, size.toLocaleString('en')]));
          }
        });
      });
    }
  }
} finally {
  await baseline.stop();
  rmSync(dir, { recursive: true, force: true });
}

console.log(machineFacts());
console.log(`serve --workers ${WORKERS}; wrk -t2 -c${CONNECTIONS}, ${SECONDS} s; S4 on autocannon\n`);
console.log(
  row(
    'scenario',
    'db',
    'rows in users and deliveries',
    'req/s',
    'p99 ms',
    'baseline req/s',
    'baseline p99 ms',
    'ratio',
  ),
);
console.log(row('---', '---', '---:', '---:', '---:', '---:', '---:', '---:'));
for (const line of rows) console.log(line);
