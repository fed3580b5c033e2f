import { nowIso } from '../../core/db.ts';

// A hook's `secrets` column: a JSON array of sealed secrets, newest first. The newest verifies
// until the next rotation; each older one carries when its overlap window ends. Rows written
// before rotation existed hold plain strings, which never expire.

/** One sealed secret; `expiresAt` is null for the current secret. */
export interface SealedSecret {
  sealed: string;
  expiresAt: string | null;
}

type StoredSecret = string | { sealed: string; expires_at: string | null };

export function parseSecrets(column: string): SealedSecret[] {
  return (JSON.parse(column) as StoredSecret[]).map((stored) =>
    typeof stored === 'string'
      ? { sealed: stored, expiresAt: null }
      : { sealed: stored.sealed, expiresAt: stored.expires_at },
  );
}

export function serializeSecrets(secrets: readonly SealedSecret[]): string {
  return JSON.stringify(secrets.map(({ sealed, expiresAt }) => ({ sealed, expires_at: expiresAt })));
}

/** The secrets that still verify at `now`, newest first. */
export function liveSecrets(secrets: readonly SealedSecret[], now: Date): SealedSecret[] {
  return secrets.filter(({ expiresAt }) => expiresAt === null || Date.parse(expiresAt) > now.getTime());
}

/**
 * `sealed` becomes the current secret; those it replaces keep verifying until `now + overlapMs`,
 * or their own earlier end from a previous rotation. With no overlap they go at once.
 */
export function rotateSecrets(
  secrets: readonly SealedSecret[],
  sealed: string,
  overlapMs: number,
  now: Date,
): SealedSecret[] {
  const end = now.getTime() + overlapMs;
  const kept = overlapMs === 0 ? [] : liveSecrets(secrets, now);
  return [
    { sealed, expiresAt: null },
    ...kept.map((old) => ({
      sealed: old.sealed,
      expiresAt: nowIso(new Date(old.expiresAt === null ? end : Math.min(end, Date.parse(old.expiresAt)))),
    })),
  ];
}
