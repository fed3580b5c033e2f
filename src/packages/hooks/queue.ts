import { sql } from 'kysely';
import type { Db } from '../../core/db.ts';
import { dueIds } from '../../core/due-rows.ts';
import { precompiled } from '../../core/precompiled.ts';
import type { AttemptOutcome, DeliveryRow } from './table.ts';

/** A claimed delivery with what its handler needs. */
export type ClaimedDelivery = Pick<
  DeliveryRow,
  'id' | 'external_id' | 'attempts' | 'content_type' | 'headers' | 'body' | 'received_at'
> & { hook: string; handler: string };

export interface FinishedAttempt {
  deliveryId: number;
  /** The delivery's attempt count when it was claimed: the fence against a stale worker. */
  attempt: number;
  startedAt: string;
  finishedAt: string;
  outcome: AttemptOutcome;
  error: string | null;
  /** What the delivery becomes: done, pending again at `retryAt`, or failed. */
  status: 'done' | 'pending' | 'failed';
  retryAt: string;
}

/**
 * Claims up to `limit` due deliveries for this worker until `leaseUntil`: pending ones whose
 * time has come, and processing ones whose claim has lapsed (their worker died); see dueIds.
 */
export async function claimDue(db: Db, now: string, leaseUntil: string, limit: number): Promise<ClaimedDelivery[]> {
  const due = dueIds(
    db,
    (status) => db.selectFrom('hook_deliveries').select(['id', 'next_attempt_at']).where('status', '=', status),
    now,
    limit,
  );
  const claimed = await db
    .updateTable('hook_deliveries')
    .set({ status: 'processing', attempts: sql`attempts + 1`, next_attempt_at: leaseUntil })
    .where('id', 'in', due)
    .returning('id')
    .execute();
  if (claimed.length === 0) return [];
  return claimedDeliveries(
    db,
    claimed.map((row) => row.id),
  );
}

/** The claimed deliveries by id, with their hook's name and handler. */
export function claimedDeliveries(db: Db, ids: number[]): Promise<ClaimedDelivery[]> {
  return db
    .selectFrom('hook_deliveries')
    .innerJoin('hooks', 'hooks.id', 'hook_deliveries.hook_id')
    .select([
      'hook_deliveries.id',
      'hook_deliveries.external_id',
      'hook_deliveries.attempts',
      'hook_deliveries.content_type',
      'hook_deliveries.headers',
      'hook_deliveries.body',
      'hook_deliveries.received_at',
      'hooks.name as hook',
      'hooks.handler',
    ])
    .where('hook_deliveries.id', 'in', ids)
    .orderBy('hook_deliveries.id')
    .execute();
}

// Every delivery run ends with these two writes, so they are compiled once (core/precompiled.ts):
// building them took more of the worker's time than SQLite took to run them. The update is one
// query per outcome because each sets other columns. The fence is in its WHERE: still processing,
// at the attempt count it was claimed with.
const fenced = (db: Db, id: number, attempt: number) =>
  db
    .updateTable('hook_deliveries')
    .where('id', '=', id)
    .where('status', '=', 'processing')
    .where('attempts', '=', attempt);

const markDone = precompiled((db: Db, id: number, attempt: number, error: string | null, processedAt: string) =>
  fenced(db, id, attempt).set({ status: 'done', last_error: error, processed_at: processedAt }).returning('id'),
);

const markPending = precompiled((db: Db, id: number, attempt: number, error: string | null, retryAt: string) =>
  fenced(db, id, attempt).set({ status: 'pending', last_error: error, next_attempt_at: retryAt }).returning('id'),
);

const markFailed = precompiled((db: Db, id: number, attempt: number, error: string | null) =>
  fenced(db, id, attempt).set({ status: 'failed', last_error: error }).returning('id'),
);

const insertAttempt = precompiled(
  (
    db: Db,
    id: number,
    attempt: number,
    startedAt: string,
    finishedAt: string,
    outcome: AttemptOutcome,
    error: string | null,
  ) =>
    db.insertInto('hook_attempts').values({
      delivery_id: id,
      attempt,
      started_at: startedAt,
      finished_at: finishedAt,
      outcome,
      error,
    }),
);

/**
 * Records one attempt and moves its delivery on, in the caller's transaction, unless the delivery
 * is no longer this worker's claim (the fence); answers whether it was recorded.
 */
export async function finishAttempt(db: Db, attempt: FinishedAttempt): Promise<boolean> {
  const { deliveryId: id, attempt: count, error } = attempt;
  const moved =
    attempt.status === 'done'
      ? await markDone(db, id, count, error, attempt.finishedAt)
      : attempt.status === 'pending'
        ? await markPending(db, id, count, error, attempt.retryAt)
        : await markFailed(db, id, count, error);
  if (moved.length === 0) return false;
  await insertAttempt(db, id, count, attempt.startedAt, attempt.finishedAt, attempt.outcome, error);
  return true;
}
