import type { TrailActor } from '../../core/actor.ts';
import { type Db, nowIso } from '../../core/db.ts';
import type { Page, Paged } from '../../core/paging.ts';
import { type AuditFilter, deleteEntriesBefore, insertEntry, listEntries } from './repository.ts';
import type { AuditEntry } from './schemas.ts';
import type { AuditEntryRow } from './table.ts';

export type { AuditFilter } from './repository.ts';

/** One change for the trail: `action` on `target`, with a before/after `summary`. */
export interface AuditEvent {
  action: string;
  target: string;
  summary?: Record<string, unknown>;
}

// Keys that name a secret. A summary never needs one: a caller that passes one by mistake loses
// that key rather than writing it to a table kept for a year. `password: 'changed'` says what
// happened without saying what it became.
const SECRET_KEYS = new Set(['password', 'password_hash', 'token', 'token_hash', 'secret', 'secrets']);

function withoutSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSecrets);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key, inner]) => !SECRET_KEYS.has(key) || inner === 'changed')
      .map(([key, inner]) => [key, withoutSecrets(inner)]),
  );
}

function asStoredTime(time: string | undefined): string | undefined {
  return time === undefined ? undefined : new Date(time).toISOString();
}

function actorColumns(actor: TrailActor) {
  switch (actor.kind) {
    case 'user':
      return {
        actor_kind: actor.kind,
        actor_user_id: actor.userId,
        actor_username: actor.username,
        actor_token_id: actor.tokenId ?? null,
      };
    case 'operator':
      return { actor_kind: actor.kind, actor_user_id: null, actor_username: actor.from, actor_token_id: null };
    case 'system':
      return { actor_kind: actor.kind, actor_user_id: null, actor_username: 'system', actor_token_id: null };
    default:
      return { actor_kind: actor.kind, actor_user_id: null, actor_username: '', actor_token_id: null };
  }
}

export function entryRowToEntry(row: AuditEntryRow): AuditEntry {
  return {
    id: row.id,
    at: row.at,
    actor: {
      kind: row.actor_kind,
      user_id: row.actor_user_id,
      username: row.actor_username,
      token_id: row.actor_token_id,
    },
    address: row.address,
    action: row.action,
    target: row.target,
    summary: JSON.parse(row.summary) as Record<string, unknown>,
  };
}

/** The audit trail: append-only (there is no update), read newest first, pruned by age. */
export function createAuditService(db: Db, options: { now?: () => Date } = {}) {
  const now = options.now ?? (() => new Date());
  return {
    /**
     * Writes an entry through `executor`: the transaction of the change it records, so the two
     * commit or roll back together.
     */
    async record(executor: Db, actor: TrailActor, event: AuditEvent): Promise<void> {
      await insertEntry(executor, {
        at: nowIso(now()),
        ...actorColumns(actor),
        address: actor.address?.slice(0, 45) ?? null,
        action: event.action,
        target: event.target.slice(0, 200),
        summary: JSON.stringify(withoutSecrets(event.summary ?? {})),
      });
    },

    /** Entries matching every filter given, newest first. */
    async list(filter: AuditFilter, page: Page): Promise<Paged<AuditEntry>> {
      // Stored times are UTC ISO strings, which SQLite compares as text: bring any offset to the same form.
      const { rows, total } = await listEntries(
        db,
        { ...filter, since: asStoredTime(filter.since), until: asStoredTime(filter.until) },
        page,
      );
      return { items: rows.map(entryRowToEntry), total, ...page };
    },

    /** Deletes entries older than `olderThanMs`; answers how many. */
    async prune(olderThanMs: number): Promise<number> {
      return deleteEntriesBefore(db, nowIso(new Date(now().getTime() - olderThanMs)));
    },
  };
}

export type AuditService = ReturnType<typeof createAuditService>;
