import type { Generated, Insertable, Selectable } from 'kysely';

export interface ApiTokenTable {
  id: Generated<number>;
  user_id: number;
  name: string;
  /** SHA-256 (hex) of the token; the token itself is never stored. */
  token_hash: string;
  /** The token's first characters, shown in listings so a user can tell their tokens apart. */
  prefix: string;
  /** JSON array of permission codenames: what the token may do, at most what its owner may. */
  scopes: string;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface TokensTables {
  api_tokens: ApiTokenTable;
}

export type ApiTokenRow = Selectable<ApiTokenTable>;
export type NewApiTokenRow = Insertable<ApiTokenTable>;

// Adds this package's tables to the `Database` every query is typed against.
declare module '../../core/db.ts' {
  interface Database extends TokensTables {}
}
