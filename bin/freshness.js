// Whether dist/ was built after the last edit to src/. The binary runs dist/ only then, and the
// test suite refuses to test a stale build, so both always run the same code.
import { existsSync, readdirSync, statSync } from 'node:fs';

function newestSourceMtime(root) {
  let newest = 0;
  for (const file of readdirSync(`${root}src`, { recursive: true })) {
    if (file.endsWith('.ts') && !file.endsWith('.test.ts'))
      newest = Math.max(newest, statSync(`${root}src/${file}`).mtimeMs);
  }
  return newest;
}

/** True when `dist/cli/index.js` exists and is at least as new as every source file. */
export function buildIsFresh(root) {
  const built = `${root}dist/cli/index.js`;
  return existsSync(built) && statSync(built).mtimeMs >= newestSourceMtime(root);
}
