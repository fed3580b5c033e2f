import { type SelectQueryBuilder, sql } from 'kysely';
import { type Database, type Db, isPostgres } from './db.ts';

/** What a queue's worker claims: rows waiting their turn, and rows whose claim has lapsed. */
export type DueStatus = 'pending' | 'processing';

/** A queue's rows of one status (and whatever else the queue requires), selecting id and next_attempt_at. */
export type OfStatus = (
  status: DueStatus,
) => SelectQueryBuilder<Database, any, { id: number; next_attempt_at: string }>;

/**
 * The ids of up to `limit` due rows of a queue (hook deliveries, event messages), oldest due first,
 * for an UPDATE claiming them. Each status is read on its own from the queue's (status,
 * next_attempt_at) index in due order, then the two are merged: a claim reads about `limit` index
 * entries of each however long the backlog. `status in (...)` had SQLite sort every due row
 * first (1.1–1.6 ms a claim under S4), so claims slowed as the backlog they should drain grew. On
 * PostgreSQL each read takes its rows `FOR UPDATE SKIP LOCKED`: processes claiming at once never
 * take the same row; SQLite runs the claim under its write lock, one at a time.
 */
export function dueIds(db: Db, ofStatus: OfStatus, now: string, limit: number) {
  const dueAt = sql.ref<string>('next_attempt_at');
  const locked = (status: DueStatus) => {
    const due = ofStatus(status).where(dueAt, '<=', now).orderBy(dueAt).limit(limit);
    return isPostgres(db) ? due.forUpdate().skipLocked() : due;
  };
  return db
    .selectFrom(
      db
        .selectFrom(locked('pending').as('pending'))
        .selectAll()
        .unionAll(db.selectFrom(locked('processing').as('lapsed')).selectAll())
        .as('due'),
    )
    .select('id')
    .orderBy('next_attempt_at')
    .limit(limit);
}
