import { randomBytes } from 'node:crypto';
import type { TrailActor } from '../../core/actor.ts';
import { type Db, inTransaction, nowIso } from '../../core/db.ts';
import { type Epoch, EpochCache } from '../../core/epochs.ts';
import { sha256Hex } from '../../core/secrets.ts';
import type { AuditService } from '../audit/index.ts';
import * as repo from './session-repository.ts';

export interface SessionOptions {
  idleMs: number;
  maxAgeMs: number;
  audit: AuditService;
  /** Reads the auth epoch the cache of resolved sessions is kept at. */
  authEpoch: () => Promise<Epoch>;
  now?: () => Date;
}

export interface ResolvedSession {
  idHash: string;
  user: { id: number; username: string; firstName: string; lastName: string };
  /** The auth epoch read before the session was: what the rest of the request may cache at. */
  epoch: Epoch;
}

/** A live session as last read from the database, times in ms. */
interface CachedSession {
  user: ResolvedSession['user'];
  createdAt: number;
  lastSeenAt: number;
}

// last_seen_at is written at most once a minute, so a page view is not also a write.
const TOUCH_EVERY_MS = 60_000;
// Enough for every session active at once on a busy instance; a full cache starts over.
const CACHED_SESSIONS = 10_000;

/**
 * Server-side sessions. The cookie holds 256 random bits; the database holds only their hash,
 * so a leaked table cannot be replayed, and looking one up by hash needs no constant-time compare.
 */
export function createSessionService(db: Db, options: SessionOptions) {
  const now = options.now ?? (() => new Date());
  const cache = new EpochCache<string, CachedSession>(CACHED_SESSIONS);

  /**
   * The cached session when the database would answer the same without a write: under the
   * absolute age, and seen within the touch interval (which is shorter than the idle timeout).
   * Any other case goes to the database, which stays the truth.
   */
  function fromCache(epoch: Epoch, idHash: string, at: number): CachedSession | undefined {
    const cached = cache.get(epoch, idHash);
    if (!cached) return undefined;
    const idleFor = at - cached.lastSeenAt;
    const fresh = idleFor >= 0 && idleFor <= Math.min(TOUCH_EVERY_MS, options.idleMs);
    return fresh && at - cached.createdAt <= options.maxAgeMs ? cached : undefined;
  }

  return {
    /**
     * Starts a session and returns the id for the cookie (never stored); in `within`, a
     * transaction, when the session must commit with other writes (the login's).
     */
    async start(userId: number, client: { ip: string; userAgent: string }, within: Db = db): Promise<string> {
      const id = randomBytes(32).toString('base64url');
      const timestamp = nowIso(now());
      await repo.insertSession(within, {
        id_hash: sha256Hex(id),
        user_id: userId,
        created_at: timestamp,
        last_seen_at: timestamp,
        ip: client.ip.slice(0, 45),
        user_agent: client.userAgent.slice(0, 255),
      });
      return id;
    },

    /**
     * The live session for a cookie value; expired ones are deleted. Never throws on bad input.
     * Answered from the process's cache while the auth epoch stays put (logout, deactivation, a
     * password change end sessions by deleting rows, which moves it in every process).
     */
    async resolve(id: string): Promise<ResolvedSession | undefined> {
      if (id.length !== 43) return undefined;
      const idHash = sha256Hex(id);
      const epoch = await options.authEpoch();
      const cached = fromCache(epoch, idHash, now().getTime());
      if (cached) return { idHash, user: cached.user, epoch };
      const row = await repo.findSessionWithUser(db, idHash);
      if (!row) return undefined;
      const at = now().getTime();
      let lastSeenAt = Date.parse(row.last_seen_at);
      const createdAt = Date.parse(row.created_at);
      const idleFor = at - lastSeenAt;
      if (idleFor > options.idleMs || at - createdAt > options.maxAgeMs) {
        await repo.deleteSession(db, idHash);
        return undefined;
      }
      if (idleFor > TOUCH_EVERY_MS) {
        await repo.touchSession(db, idHash, nowIso(new Date(at)));
        lastSeenAt = at;
      }
      const user = { id: row.user_id, username: row.username, firstName: row.first_name, lastName: row.last_name };
      cache.set(epoch, idHash, { user, createdAt, lastSeenAt });
      return { idHash, user, epoch };
    },

    async end(idHash: string, within: Db = db): Promise<void> {
      await repo.deleteSession(within, idHash);
    },

    /** Ends a session its user logs out of, and says so in the audit trail. */
    async logOut(actor: TrailActor & { kind: 'user' }, idHash: string): Promise<void> {
      await inTransaction(db, async (trx) => {
        await repo.deleteSession(trx, idHash);
        await options.audit.record(trx, actor, { action: 'logout', target: `user:${actor.userId}` });
      });
    },

    async endAllFor(userId: number, exceptIdHash?: string): Promise<void> {
      await repo.deleteUserSessions(db, userId, exceptIdHash);
    },

    /** Deletes sessions idle past the timeout; run now and then, not per request. */
    async purgeExpired(): Promise<void> {
      await repo.deleteSessionsSeenBefore(db, nowIso(new Date(now().getTime() - options.idleMs)));
    },
  };
}

export type SessionService = ReturnType<typeof createSessionService>;
