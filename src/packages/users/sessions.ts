import { randomBytes } from 'node:crypto';
import type { TrailActor } from '../../core/actor.ts';
import { type Db, inTransaction, nowIso } from '../../core/db.ts';
import { sha256Hex } from '../../core/secrets.ts';
import type { AuditService } from '../audit/index.ts';
import * as repo from './session-repository.ts';

export interface SessionOptions {
  idleMs: number;
  maxAgeMs: number;
  audit: AuditService;
  now?: () => Date;
}

export interface ResolvedSession {
  idHash: string;
  user: { id: number; username: string; firstName: string; lastName: string };
}

// last_seen_at is written at most once a minute, so a page view is not also a write.
const TOUCH_EVERY_MS = 60_000;

/**
 * Server-side sessions. The cookie holds 256 random bits; the database holds only their hash,
 * so a leaked table cannot be replayed, and looking one up by hash needs no constant-time compare.
 */
export function createSessionService(db: Db, options: SessionOptions) {
  const now = options.now ?? (() => new Date());

  return {
    /** Starts a session and returns the id for the cookie (never stored). */
    async start(userId: number, client: { ip: string; userAgent: string }): Promise<string> {
      const id = randomBytes(32).toString('base64url');
      const timestamp = nowIso(now());
      await repo.insertSession(db, {
        id_hash: sha256Hex(id),
        user_id: userId,
        created_at: timestamp,
        last_seen_at: timestamp,
        ip: client.ip.slice(0, 45),
        user_agent: client.userAgent.slice(0, 255),
      });
      return id;
    },

    /** The live session for a cookie value; expired ones are deleted. Never throws on bad input. */
    async resolve(id: string): Promise<ResolvedSession | undefined> {
      if (id.length !== 43) return undefined;
      const idHash = sha256Hex(id);
      const row = await repo.findSessionWithUser(db, idHash);
      if (!row) return undefined;
      const at = now().getTime();
      const idleFor = at - Date.parse(row.last_seen_at);
      if (idleFor > options.idleMs || at - Date.parse(row.created_at) > options.maxAgeMs) {
        await repo.deleteSession(db, idHash);
        return undefined;
      }
      if (idleFor > TOUCH_EVERY_MS) await repo.touchSession(db, idHash, nowIso(new Date(at)));
      return {
        idHash,
        user: { id: row.user_id, username: row.username, firstName: row.first_name, lastName: row.last_name },
      };
    },

    async end(idHash: string): Promise<void> {
      await repo.deleteSession(db, idHash);
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
