import type { Generated, Insertable, Selectable } from 'kysely';

export type AuditActorKind = 'user' | 'operator' | 'anonymous' | 'system';

export interface AuditEntryTable {
  id: Generated<number>;
  at: string;
  /** No foreign key: deleting the user must not erase or rewrite what they did. */
  actor_user_id: number | null;
  /** The name at the time, kept for when the user is gone; `cli` or `setup` for the operator. */
  actor_username: string;
  actor_token_id: number | null;
  actor_kind: AuditActorKind;
  address: string | null;
  /** `<thing>.<verb>`: `user.created`, `login.failed`, ... */
  action: string;
  /** `<kind>:<name or id>`: `user:12`, `group:admin`, `hook:github`. */
  target: string;
  /** JSON object: what changed (before/after); never a secret, token, password or hash. */
  summary: string;
}

export interface AuditTables {
  audit_entries: AuditEntryTable;
}

export type AuditEntryRow = Selectable<AuditEntryTable>;
export type NewAuditEntryRow = Insertable<AuditEntryTable>;

// Adds this package's tables to the `Database` every query is typed against.
declare module '../../core/db.ts' {
  interface Database extends AuditTables {}
}
