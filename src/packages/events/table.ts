import type { Generated, Insertable, Selectable } from 'kysely';

export interface EventSubscriptionTable {
  id: Generated<number>;
  url: string;
  description: string;
  /** JSON array of event type names, or `["*"]` for every type. */
  event_types: string;
  /** JSON array of `whsec_` secrets sealed by the secret box, newest first (hooks' secret-list.ts). */
  secrets: string;
  /** 1 while messages are sent; 0 once disabled by hand, by a 410, or after failing for days. */
  enabled: number | boolean;
  /** Why it was disabled (`gone`, `failing`, `by hand`); null while enabled. */
  disabled_reason: string | null;
  /** The first failed attempt since the last success; null while the receiver answers. */
  failing_since: string | null;
  created_at: string;
  updated_at: string;
}

export type MessageStatus = 'pending' | 'processing' | 'delivered' | 'failed';

/** One event for one subscription: the outbox row, written in the transaction of the change. */
export interface EventMessageTable {
  id: Generated<number>;
  subscription_id: number;
  /** The `webhook-id` header: the receiver's dedup key, the same on every attempt. */
  webhook_id: string;
  event_type: string;
  /** The body exactly as sent, `{"type","timestamp","data"}`. */
  payload: string;
  status: MessageStatus;
  attempts: Generated<number>;
  next_attempt_at: string;
  created_at: string;
  delivered_at: string | null;
  last_error: string | null;
}

/** One attempt to send a message. */
export interface EventAttemptTable {
  id: Generated<number>;
  message_id: number;
  attempt: number;
  started_at: string;
  duration_ms: number;
  /** The receiver's HTTP status; null when there was no answer (refused, timed out, no connection). */
  status_code: number | null;
  error: string | null;
  /** The start of the receiver's answer, at most RESPONSE_BODY_LIMIT bytes. */
  response_body: string | null;
}

export interface EventsTables {
  event_subscriptions: EventSubscriptionTable;
  event_messages: EventMessageTable;
  event_attempts: EventAttemptTable;
}

export type SubscriptionRow = Selectable<EventSubscriptionTable>;
export type NewSubscriptionRow = Insertable<EventSubscriptionTable>;
export type MessageRow = Selectable<EventMessageTable>;
export type NewMessageRow = Insertable<EventMessageTable>;
export type AttemptRow = Selectable<EventAttemptTable>;
export type NewAttemptRow = Insertable<EventAttemptTable>;

// Adds this package's tables to the `Database` every query is typed against.
declare module '../../core/db.ts' {
  interface Database extends EventsTables {}
}
