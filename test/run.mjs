// Runs the whole suite on SQLite, then again on PostgreSQL. Without ENDPOINT_TEST_POSTGRES_URL
// it tries the local default and, if nothing answers, says plainly that it skipped that run.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { buildIsFresh } from '../bin/freshness.js';

const DEFAULT_POSTGRES = 'postgres://postgres@127.0.0.1:5432/test';

function testFiles(dir) {
  return readdirSync(dir, { recursive: true })
    .filter((file) => file.endsWith('.test.ts'))
    .map((file) => join(dir, file))
    .sort();
}

async function reachable(url) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

function run(database, env) {
  console.log(`\n# Endpoint test suite on ${database}\n`);
  const files = [...testFiles('src'), ...testFiles('test')];
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...files], {
    stdio: 'inherit',
    env: { ...process.env, ...env, ENDPOINT_TEST_DATABASE: database },
  });
  return result.status ?? 1;
}

// The integration tests start what users run, the compiled dist/: build it first if src/ is newer.
if (!buildIsFresh(fileURLToPath(new URL('../', import.meta.url)))) {
  const build = spawnSync('npm', ['run', 'build'], { stdio: 'inherit' });
  if (build.status !== 0) process.exit(1);
}

let failed = run('sqlite', {});

let postgresUrl = process.env.ENDPOINT_TEST_POSTGRES_URL;
if (!postgresUrl && (await reachable(DEFAULT_POSTGRES))) postgresUrl = DEFAULT_POSTGRES;
if (postgresUrl) {
  const postgresFailed = run('postgres', { ENDPOINT_TEST_POSTGRES_URL: postgresUrl });
  failed ||= postgresFailed;
} else {
  console.log(
    `\n# SKIPPED the PostgreSQL run: nothing answers at ${DEFAULT_POSTGRES}; set ENDPOINT_TEST_POSTGRES_URL to run it.\n`,
  );
}
process.exit(failed);
