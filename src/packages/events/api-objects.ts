import type { EventType } from '../../core/events.ts';
import type { Message, Subscription } from './schemas.ts';
import { maySee } from './subscription-rules.ts';
import type { AttemptRow, MessageRow, SubscriptionRow } from './table.ts';

export function subscriptionRowToSubscription(row: SubscriptionRow): Subscription {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    event_types: JSON.parse(row.event_types) as string[],
    enabled: Boolean(row.enabled),
    disabled_reason: row.disabled_reason,
    failing_since: row.failing_since,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

/** A message with its attempts; its body only for a reader who may see its type's data. */
export function messageRowToMessage(
  row: MessageRow,
  attempts: AttemptRow[],
  reader: { holds: ReadonlySet<string> | 'all'; eventTypes: ReadonlyMap<string, EventType> },
): Message {
  return {
    id: row.id,
    subscription_id: row.subscription_id,
    webhook_id: row.webhook_id,
    event_type: row.event_type,
    status: row.status,
    attempts: row.attempts,
    next_attempt_at: row.next_attempt_at,
    created_at: row.created_at,
    delivered_at: row.delivered_at,
    last_error: row.last_error,
    body: maySee(reader.holds, row.event_type, reader.eventTypes) ? row.payload : null,
    attempt_log: attempts.map((attempt) => ({
      attempt: attempt.attempt,
      started_at: attempt.started_at,
      duration_ms: attempt.duration_ms,
      status_code: attempt.status_code,
      error: attempt.error,
      response_body: attempt.response_body,
    })),
  };
}
