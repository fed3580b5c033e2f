/** True when `dist/cli/index.js` exists and is at least as new as every source file under `root`. */
export function buildIsFresh(root: string): boolean;
