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
  /** What the delivery becomes: done, pending again at `retryAt` (read only then), or failed. */
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

// Every delivery run ends by moving its delivery on and recording the attempt: compiled once
// (core/precompiled.ts), since building them took more of the worker's time than SQLite took to
// run them. The move is fenced in its WHERE (still processing, at the attempt count it was claimed
// with); a null leaves next_attempt_at or processed_at as it was.
const moveDelivery = precompiled(
  (
    db: Db,
    id: number,
    attempt: number,
    status: FinishedAttempt['status'],
    error: string | null,
    retryAt: string | null,
    processedAt: string | null,
  ) =>
    db
      .updateTable('hook_deliveries')
      .set({
        status,
        last_error: error,
        next_attempt_at: sql<string>`coalesce(${retryAt}, next_attempt_at)`,
        processed_at: sql<string | null>`coalesce(${processedAt}, processed_at)`,
      })
      .where('id', '=', id)
      .where('status', '=', 'processing')
      .where('attempts', '=', attempt)
      .returning('id'),
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
  const { deliveryId: id, attempt: count, status, error, startedAt, finishedAt, outcome } = attempt;
  const retryAt = status === 'pending' ? attempt.retryAt : null;
  const processedAt = status === 'done' ? finishedAt : null;
  const moved = await moveDelivery(db, id, count, status, error, retryAt, processedAt);
  if (moved.length === 0) return false;
  await insertAttempt(db, id, count, startedAt, finishedAt, outcome, error);
  return true;
}
