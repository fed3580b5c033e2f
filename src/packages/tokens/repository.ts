import type { Kysely } from 'kysely';
import type { Database } from '../../core/db.ts';
import { type Page, selectPage } from '../../core/paging.ts';
import type { ApiTokenRow, NewApiTokenRow } from './table.ts';

type Db = Kysely<Database>;

export type TokenWithOwner = ApiTokenRow & { username: string };

/** A usable token and the owner it acts for: what a bearer request needs, in one row. */
export interface LiveToken {
  id: number;
  scopes: string;
  expires_at: string | null;
  last_used_at: string | null;
  user_id: number;
  username: string;
  first_name: string;
  last_name: string;
}

export function insertToken(db: Db, row: NewApiTokenRow): Promise<ApiTokenRow> {
  return db.insertInto('api_tokens').values(row).returningAll().executeTakeFirstOrThrow();
}

export function findToken(db: Db, id: number): Promise<TokenWithOwner | undefined> {
  return db
    .selectFrom('api_tokens')
    .innerJoin('users', 'users.id', 'api_tokens.user_id')
    .selectAll('api_tokens')
    .select('users.username')
    .where('api_tokens.id', '=', id)
    .executeTakeFirst();
}

/** Tokens not revoked (expired ones too: their owner should see them lapse), newest first. */
export async function listTokens(
  db: Db,
  filter: { userId?: number },
  page: Page,
): Promise<{ rows: TokenWithOwner[]; total: number }> {
  let live = db.selectFrom('api_tokens').where('api_tokens.revoked_at', 'is', null);
  if (filter.userId !== undefined) live = live.where('api_tokens.user_id', '=', filter.userId);
  const rows = live
    .innerJoin('users', 'users.id', 'api_tokens.user_id')
    .selectAll('api_tokens')
    .select('users.username')
    .orderBy('api_tokens.id', 'desc');
  return selectPage(live, rows, page);
}

/**
 * The token with this hash when it is usable at `now`: not revoked, not expired, its owner
 * active. One lookup through the unique index on token_hash, joined to the owner; an equality
 * match on a hash needs no constant-time compare, as the attacker does not know what is hashed.
 */
export function findLiveToken(db: Db, tokenHash: string, now: string): Promise<LiveToken | undefined> {
  return db
    .selectFrom('api_tokens')
    .innerJoin('users', 'users.id', 'api_tokens.user_id')
    .select([
      'api_tokens.id',
      'api_tokens.scopes',
      'api_tokens.expires_at',
      'api_tokens.last_used_at',
      'api_tokens.user_id',
      'users.username',
      'users.first_name',
      'users.last_name',
    ])
    .where('api_tokens.token_hash', '=', tokenHash)
    .where('api_tokens.revoked_at', 'is', null)
    .where((eb) => eb.or([eb('api_tokens.expires_at', 'is', null), eb('api_tokens.expires_at', '>', now)]))
    .where('users.active', '=', 1)
    .executeTakeFirst();
}

export async function touchToken(db: Db, id: number, lastUsedAt: string): Promise<void> {
  await db.updateTable('api_tokens').set({ last_used_at: lastUsedAt }).where('id', '=', id).execute();
}

/** Marks the token revoked; false when it already was. */
export async function revokeToken(db: Db, id: number, revokedAt: string): Promise<boolean> {
  const result = await db
    .updateTable('api_tokens')
    .set({ revoked_at: revokedAt })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Marks every token of the user not yet revoked as revoked; the number it marked. */
/** A user's tokens not revoked, by id. */
export function liveTokensOf(db: Db, userId: number): Promise<{ id: number; name: string }[]> {
  return db
    .selectFrom('api_tokens')
    .select(['id', 'name'])
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .orderBy('id')
    .execute();
}

export async function revokeUserTokens(db: Db, userId: number, revokedAt: string): Promise<number> {
  const result = await db
    .updateTable('api_tokens')
    .set({ revoked_at: revokedAt })
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
