import { createHash } from 'node:crypto';

/**
 * SHA-256 (hex) of a high-entropy secret (session id, API token): what the database stores in
 * its place. Looking a row up by this hash needs no constant-time compare.
 */
export function sha256Hex(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}
