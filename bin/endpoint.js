#!/usr/bin/env node
// The `endpoint` binary. It runs the compiled CLI in dist/ (built by `npm install`, `npm run
// build` and `npm test`) when dist/ is newer than every source file: plain Node loads it in
// about half the time. After an edit to src/ it runs the sources through tsx instead, so a
// stale build is never what runs.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const built = `${root}dist/cli/index.js`;

function newestSource() {
  let newest = 0;
  for (const file of readdirSync(`${root}src`, { recursive: true })) {
    if (file.endsWith('.ts') && !file.endsWith('.test.ts'))
      newest = Math.max(newest, statSync(`${root}src/${file}`).mtimeMs);
  }
  return newest;
}

if (existsSync(built) && statSync(built).mtimeMs >= newestSource()) {
  await import(built);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/index.ts');
}
