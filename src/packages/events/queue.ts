import { sql } from 'kysely';
import { type Db, toDbBool } from '../../core/db.ts';
import { dueIds } from '../../core/due-rows.ts';
import type { MessageRow, MessageStatus } from './table.ts';

/** A claimed message with where it goes and the sealed secrets that sign it. */
export type ClaimedMessage = Pick<MessageRow, 'id' | 'webhook_id' | 'event_type' | 'payload' | 'attempts'> & {
  subscription_id: number;
  url: string;
  secrets: string;
};

/** One attempt, as the worker records it with the message's next state. */
export interface FinishedSend {
  messageId: number;
  /** The message's attempt count when claimed: the fence against a worker whose lease lapsed. */
  attempt: number;
  startedAt: string;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
  responseBody: string | null;
  status: Exclude<MessageStatus, 'processing'>;
  /** When a `pending` message goes again. */
  retryAt?: string;
  finishedAt: string;
}

/**
 * Claims up to `limit` due messages of enabled subscriptions until `leaseUntil`: pending ones
 * whose time has come and processing ones whose claim lapsed (their worker died mid-send); see dueIds.
 */
export async function claimDue(db: Db, now: string, leaseUntil: string, limit: number): Promise<ClaimedMessage[]> {
  const due = dueIds(
    db,
    (status) =>
      db
        .selectFrom('event_messages')
        .select(['id', 'next_attempt_at'])
        .where('status', '=', status)
        .where('subscription_id', 'in', (eb) =>
          eb.selectFrom('event_subscriptions').select('id').where('enabled', '=', toDbBool(true)),
        ),
    now,
    limit,
  );
  const claimed = await db
    .updateTable('event_messages')
    .set({ status: 'processing', attempts: sql`attempts + 1`, next_attempt_at: leaseUntil })
    .where('id', 'in', due)
    .returning('id')
    .execute();
  if (claimed.length === 0) return [];
  return db
    .selectFrom('event_messages')
    .innerJoin('event_subscriptions', 'event_subscriptions.id', 'event_messages.subscription_id')
    .select([
      'event_messages.id',
      'event_messages.webhook_id',
      'event_messages.event_type',
      'event_messages.payload',
      'event_messages.attempts',
      'event_messages.subscription_id',
      'event_subscriptions.url',
      'event_subscriptions.secrets',
    ])
    .where(
      'event_messages.id',
      'in',
      claimed.map((row) => row.id),
    )
    .orderBy('event_messages.id')
    .execute();
}

/**
 * Records one attempt and moves its message on, in the caller's transaction, unless the message
 * is no longer this worker's claim (still processing, at the attempt count it was claimed with);
 * answers whether it was recorded.
 */
export async function finishSend(db: Db, send: FinishedSend): Promise<boolean> {
  const moved = await db
    .updateTable('event_messages')
    .set({
      status: send.status,
      last_error: send.error,
      ...(send.status === 'pending' && send.retryAt && { next_attempt_at: send.retryAt }),
      ...(send.status === 'delivered' && { delivered_at: send.finishedAt }),
    })
    .where('id', '=', send.messageId)
    .where('status', '=', 'processing')
    .where('attempts', '=', send.attempt)
    .executeTakeFirst();
  if (moved.numUpdatedRows === 0n) return false;
  await db
    .insertInto('event_attempts')
    .values({
      message_id: send.messageId,
      attempt: send.attempt,
      started_at: send.startedAt,
      duration_ms: send.durationMs,
      status_code: send.statusCode,
      error: send.error,
      response_body: send.responseBody,
    })
    .execute();
  return true;
}
