#!/usr/bin/env node
// The `endpoint` binary. It runs the compiled CLI in dist/ (built by `npm install`, `npm run
// build` and `npm test`) when dist/ is newer than every source file: plain Node loads it in
// about half the time. After an edit to src/ it runs the sources through tsx instead, so a
// stale build is never what runs; `erasableSyntaxOnly` keeps the two compilations equivalent.
import { fileURLToPath } from 'node:url';
import { buildIsFresh } from './freshness.js';

const root = fileURLToPath(new URL('../', import.meta.url));

if (buildIsFresh(root)) {
  await import(`${root}dist/cli/index.js`);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/index.ts');
}
