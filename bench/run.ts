// Load benchmark, issue 11's scenarios S1–S5, against `serve` as deploy/ ships it (JSON logs at
// info, --workers 1 and 2) on SQLite and, with BENCH_DATABASE_URL=postgres://..., PostgreSQL too.
// Each scenario is measured beside a raw node:http server (baseline-server.mjs) in the same minute,
// and printed as a ratio to it, so figures from a noisy, shared machine stay comparable.
// Also: idle RSS per process against a bare node process, cold start to the first 200.
// Run with `npm run build && npm run bench`. Environment: BENCH_SECONDS (10), BENCH_WARMUP (2),
// BENCH_CONNECTIONS (64), BENCH_WORKERS (1,2), BENCH_SCENARIOS (S1,S2,S3,S4,S5),
// BENCH_DATABASES (sqlite,postgres: PostgreSQL only when BENCH_DATABASE_URL is set).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bareNodeRssMiB, childPids, rssMiB, SETTLE_MS } from './lib/processes.ts';
import {
  againstBaseline,
  CONNECTIONS,
  DATABASES,
  login,
  machineFacts,
  onDatabase,
  onServe,
  row,
  SCENARIOS,
  SECONDS,
  scenarios,
  startBaseline,
  type Target,
  WARMUP,
  WORKERS,
} from './lib/scenarios.ts';

const rows: string[] = [];
const resources: string[] = [];
const dir = mkdtempSync(join(tmpdir(), 'endpoint-bench-logs-'));
const { server: baseline, target: baselineTarget } = await startBaseline(dir);
const bareRss = await bareNodeRssMiB(SETTLE_MS);
try {
  for (const kind of DATABASES) {
    await onDatabase(kind, async (database) => {
      // The baseline ignores signatures, but S4 signs with the hook's secret either way.
      baselineTarget.hookSecret = database.hookSecret;
      for (const workers of WORKERS) {
        await onServe(database.url, workers, join(dir, `serve-${kind}-${workers}.log`), async (base, server) => {
          await new Promise((resolve) => setTimeout(resolve, 1000));
          const pid = server.child.pid as number;
          const pids = workers > 1 ? [pid, ...childPids(pid)] : [pid];
          const started = pids.map((p) => rssMiB(p));
          await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
          const settled = pids.map((p) => rssMiB(p));
          const mib = (rss: number[]) => rss.map((r) => r.toFixed(0)).join(' + ');
          resources.push(
            row(
              kind,
              workers,
              Math.round(server.coldStartMs),
              mib(started),
              mib(settled),
              (Math.max(...settled) / bareRss).toFixed(2),
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
            rows.push(await againstBaseline(scenario, target, baselineTarget, [kind, workers]));
          }
        });
      }
    });
  }
} finally {
  await baseline.stop();
  rmSync(dir, { recursive: true, force: true });
}

console.log(machineFacts());
console.log(`wrk -t2 -c${CONNECTIONS}, ${SECONDS} s after a ${WARMUP} s warm-up; S4 on autocannon, same connections\n`);
console.log(row('scenario', 'db', 'workers', 'req/s', 'p99 ms', 'baseline req/s', 'baseline p99 ms', 'ratio'));
console.log(row('---', '---', '---', '---:', '---:', '---:', '---:', '---:'));
for (const line of rows) console.log(line);
console.log(`\nbare node process: ${bareRss.toFixed(0)} MiB RSS\n`);
console.log(
  row(
    'db',
    'workers',
    'cold start to first 200, ms',
    'RSS 1 s after, MiB',
    `RSS idle ${SETTLE_MS / 1000} s, MiB`,
    'largest idle ÷ bare node',
  ),
);
console.log(row('---', '---', '---:', '---:', '---:', '---:'));
for (const line of resources) console.log(line);
