import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/** Where dev-server keeps its secret key, in the folder it runs from. */
export const DEV_SECRET_FILE = '.endpoint-secret-key';

/** dev-server's key, or undefined when no dev-server has made one here. */
export function readDevSecretKey(): string | undefined {
  return existsSync(DEV_SECRET_FILE) ? readFileSync(DEV_SECRET_FILE, 'utf8').trim() : undefined;
}

/** dev-server keeps one secret key across restarts so sessions survive a reload. */
export function devSecretKey(): string {
  const kept = readDevSecretKey();
  if (kept) return kept;
  const key = randomBytes(32).toString('base64url');
  writeFileSync(DEV_SECRET_FILE, `${key}\n`, { mode: 0o600 });
  return key;
}
