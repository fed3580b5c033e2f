import type { Actor } from '../../core/actor.ts';
import type { PrincipalUser } from '../../core/auth.ts';
import { type Db, inTransaction, nowIso } from '../../core/db.ts';
import { parseDuration } from '../../core/duration.ts';
import { type Epoch, EpochCache } from '../../core/epochs.ts';
import type { Page, Paged } from '../../core/paging.ts';
import { sha256Hex } from '../../core/secrets.ts';
import type { AuditService } from '../audit/index.ts';
import type { EventsService } from '../events/index.ts';
import type { UsersService } from '../users/index.ts';
import {
  BadExpiryError,
  InactiveOwnerError,
  ScopeNotHeldError,
  TokenNotFoundError,
  TokenRevokedError,
  UnknownScopeError,
} from './errors.ts';
import type { TokenWithOwner } from './repository.ts';
import * as repo from './repository.ts';
import type { ApiToken, CreatedToken } from './schemas.ts';
import { isTokenShaped, newToken, shownPrefix } from './secret.ts';

export interface TokenInput {
  name: string;
  /** Permission codenames; the owner must hold each of them. */
  scopes: string[];
  /** A lifetime such as `90d`; the token never expires without one. */
  expiresIn?: string;
}

/** A bearer token that may be used now, and whom it acts for. */
export interface ResolvedToken {
  id: number;
  user: PrincipalUser;
  scopes: ReadonlySet<string>;
  /** The auth epoch read before the token was: what the rest of the request may cache at. */
  epoch: Epoch;
}

/** A usable token as last read from the database, times in ms. */
interface CachedToken {
  id: number;
  user: PrincipalUser;
  scopes: ReadonlySet<string>;
  expiresAt: number | null;
  lastUsedAt: number;
}

/** What the tokens service needs of the users package: codenames, a user's access, lookup by name, the auth epoch. */
export type TokenOwners = Pick<UsersService, 'permissions' | 'access' | 'getUserByUsername' | 'authEpoch'>;

export interface TokensServiceOptions {
  users: TokenOwners;
  audit: AuditService;
  /** The outbox: each change's event is written in the change's transaction. */
  events: EventsService;
  now?: () => Date;
}

// last_used_at is written at most once a minute, so using a token is not also a write.
const TOUCH_EVERY_MS = 60_000;
// Enough for every token in use at once on a busy instance; a full cache starts over.
const CACHED_TOKENS = 10_000;
// Ten years; the bound also keeps the expiry a date both databases store (four-digit years).
const MAX_LIFETIME_MS = 3650 * 86_400_000;

function parseScopes(stored: string): string[] {
  return JSON.parse(stored) as string[];
}

export function tokenRowToToken(row: TokenWithOwner): ApiToken {
  return {
    id: row.id,
    user_id: row.user_id,
    username: row.username,
    name: row.name,
    prefix: row.prefix,
    scopes: parseScopes(row.scopes),
    created_at: row.created_at,
    expires_at: row.expires_at,
    last_used_at: row.last_used_at,
  };
}

export function createTokensService(db: Db, options: TokensServiceOptions) {
  const { users, audit, events } = options;
  const now = options.now ?? (() => new Date());
  const cache = new EpochCache<string, CachedToken>(CACHED_TOKENS);

  /**
   * The cached token when the database would answer the same without a write: not expired at
   * `at` and used within the touch interval. Anything else goes to the database, the truth.
   */
  function fromCache(epoch: Epoch, hash: string, at: number): CachedToken | undefined {
    const cached = cache.get(epoch, hash);
    if (!cached || (cached.expiresAt !== null && cached.expiresAt <= at)) return undefined;
    const idleFor = at - cached.lastUsedAt;
    return idleFor >= 0 && idleFor < TOUCH_EVERY_MS ? cached : undefined;
  }

  /** The requested scopes, sorted and without repeats, once each is declared and held by the owner. */
  async function grantableScopes(userId: number, requested: string[]): Promise<string[]> {
    const scopes = [...new Set(requested)].sort();
    const unknown = scopes.find((scope) => !users.permissions.has(scope));
    if (unknown !== undefined) throw new UnknownScopeError(unknown);
    const { permissions } = await users.access(userId);
    const missing = scopes.filter((scope) => !permissions.has(scope));
    if (missing.length > 0) throw new ScopeNotHeldError(missing);
    return scopes;
  }

  function expiryAfter(start: Date, lifetime: string | undefined): string | null {
    if (lifetime === undefined) return null;
    const ms = parseDuration(lifetime);
    if (ms === undefined || ms > MAX_LIFETIME_MS) throw new BadExpiryError(lifetime);
    return nowIso(new Date(start.getTime() + ms));
  }

  return {
    /** Makes a token for the user; the answer is the only place the token ever appears. */
    async create(actor: Actor, userId: number, input: TokenInput): Promise<CreatedToken> {
      const createdAt = now();
      const expiresAt = expiryAfter(createdAt, input.expiresIn);
      const scopes = await grantableScopes(userId, input.scopes);
      const token = newToken();
      const row = await inTransaction(db, async (trx) => {
        const inserted = await repo.insertToken(trx, {
          user_id: userId,
          name: input.name,
          token_hash: sha256Hex(token),
          prefix: shownPrefix(token),
          scopes: JSON.stringify(scopes),
          created_at: nowIso(createdAt),
          expires_at: expiresAt,
          last_used_at: null,
          revoked_at: null,
        });
        await audit.record(trx, actor, {
          action: 'token.created',
          target: `token:${inserted.id}`,
          summary: { token_id: inserted.id, name: inserted.name, owner_id: userId, scopes, expires_at: expiresAt },
        });
        await events.emit(trx, 'token.created', {
          id: inserted.id,
          name: inserted.name,
          owner_id: userId,
          scopes,
          expires_at: expiresAt,
        });
        return inserted;
      });
      return {
        id: row.id,
        name: row.name,
        prefix: row.prefix,
        scopes,
        created_at: row.created_at,
        expires_at: row.expires_at,
        token,
      };
    },

    /** As `create`, for a user named on the command line, who must be active. */
    async createForUsername(
      actor: Actor,
      username: string,
      input: TokenInput,
    ): Promise<CreatedToken & { username: string }> {
      const user = await users.getUserByUsername(username);
      if (!user.active) throw new InactiveOwnerError(user.username);
      return { ...(await this.create(actor, user.id, input)), username: user.username };
    },

    /** Tokens not revoked, newest first: one user's, or everyone's. */
    async list(filter: { userId?: number }, page: Page): Promise<Paged<ApiToken>> {
      const { rows, total } = await repo.listTokens(db, filter, page);
      return { items: rows.map(tokenRowToToken), total, ...page };
    },

    /**
     * Revokes a token; it stops working on its next request, in every process. With `ownerId`,
     * another user's token is reported missing, so its existence is not revealed.
     */
    async revoke(actor: Actor, id: number, limit: { ownerId?: number } = {}): Promise<ApiToken> {
      const row = await repo.findToken(db, id);
      if (!row || (limit.ownerId !== undefined && row.user_id !== limit.ownerId)) throw new TokenNotFoundError(id);
      await inTransaction(db, async (trx) => {
        if (!(await repo.revokeToken(trx, id, nowIso(now())))) throw new TokenRevokedError(id);
        await audit.record(trx, actor, {
          action: 'token.revoked',
          target: `token:${id}`,
          summary: { token_id: id, name: row.name, owner_id: row.user_id, owner: row.username },
        });
        await events.emit(trx, 'token.revoked', { id, name: row.name, owner_id: row.user_id });
      });
      return tokenRowToToken(row);
    },

    /**
     * Revokes every token of a user at once (`set-password --revoke-tokens`); a password change
     * alone leaves them working. Answers how many were revoked.
     */
    async revokeAllOf(actor: Actor, userId: number): Promise<number> {
      return inTransaction(db, async (trx) => {
        const revoking = await repo.liveTokensOf(trx, userId);
        const revoked = await repo.revokeUserTokens(trx, userId, nowIso(now()));
        for (const token of revoking) {
          await events.emit(trx, 'token.revoked', { id: token.id, name: token.name, owner_id: userId });
        }
        if (revoked > 0) {
          await audit.record(trx, actor, {
            action: 'token.revoked_all',
            target: `user:${userId}`,
            summary: { owner_id: userId, revoked },
          });
        }
        return revoked;
      });
    },

    /**
     * The token a bearer request carries when it may be used now; undefined otherwise. Answered
     * from the process's cache while the auth epoch stays put (revoking, rescoping, deleting the
     * token or deactivating its owner moves it, in every process) and its expiry has not come;
     * expiry is checked against the clock on every request.
     */
    async resolve(token: string): Promise<ResolvedToken | undefined> {
      if (!isTokenShaped(token)) return undefined;
      const hash = sha256Hex(token);
      const epoch = await users.authEpoch();
      const cached = fromCache(epoch, hash, now().getTime());
      if (cached) return { id: cached.id, user: cached.user, scopes: cached.scopes, epoch };
      const at = now();
      const row = await repo.findLiveToken(db, hash, nowIso(at));
      if (!row) return undefined;
      let lastUsedAt = row.last_used_at === null ? Number.NEGATIVE_INFINITY : Date.parse(row.last_used_at);
      if (at.getTime() - lastUsedAt >= TOUCH_EVERY_MS) {
        await repo.touchToken(db, row.id, nowIso(at));
        lastUsedAt = at.getTime();
      }
      const resolved = {
        id: row.id,
        user: { id: row.user_id, username: row.username, firstName: row.first_name, lastName: row.last_name },
        scopes: new Set(parseScopes(row.scopes)),
      };
      const expiresAt = row.expires_at === null ? null : Date.parse(row.expires_at);
      cache.set(epoch, hash, { ...resolved, expiresAt, lastUsedAt });
      return { ...resolved, epoch };
    },
  };
}

export type TokensService = ReturnType<typeof createTokensService>;
