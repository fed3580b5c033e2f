import { randomBytes } from 'node:crypto';
import { type Db, nowIso } from '../../core/db.ts';
import type { EventType } from '../../core/events.ts';
import { enabledSubscriptionTypes, insertMessages } from './repository.ts';
import type { MessageRow } from './table.ts';

/** A message's `webhook-id`: random, so ids never repeat across databases a receiver may have seen. */
export function newWebhookId(): string {
  return `msg_${randomBytes(16).toString('base64url')}`;
}

/** Whether a subscription's types (`["*"]` or names) take this event. */
export function takesType(types: readonly string[], type: string): boolean {
  return types.includes('*') || types.includes(type);
}

/** The body every attempt sends: `{"type", "timestamp", "data"}`. */
export function messageBody(type: string, at: Date, data: Record<string, unknown>): string {
  return JSON.stringify({ type, timestamp: nowIso(at), data });
}

export interface OutboxOptions {
  eventTypes: ReadonlyMap<string, EventType>;
  now: () => Date;
  /** Called after messages were written: this process's worker looks for them. */
  onWritten: () => void;
}

/**
 * The outbox: an event becomes one message row per enabled subscription taking its type, written
 * through the executor of the change it reports. One row per subscription, carrying its own body,
 * rather than an event row and delivery rows: with no subscriber an emit costs one read of the
 * (small) subscription table and writes nothing; with one, a single insert; and the worker claims
 * and a resend requeues one table's rows. Fan-out to many subscribers repeats the body per row.
 */
export function createOutbox({ eventTypes, now, onWritten }: OutboxOptions) {
  function write(executor: Db, type: string, subscriptionIds: number[], data: Record<string, unknown>) {
    const at = now();
    const body = messageBody(type, at, data);
    const createdAt = nowIso(at);
    return insertMessages(
      executor,
      subscriptionIds.map((subscriptionId) => ({
        subscription_id: subscriptionId,
        webhook_id: newWebhookId(),
        event_type: type,
        payload: body,
        status: 'pending' as const,
        next_attempt_at: createdAt,
        created_at: createdAt,
        delivered_at: null,
        last_error: null,
      })),
    );
  }

  return {
    /** Tells this process's worker that messages are waiting (a resend). */
    written: onWritten,

    /**
     * Writes `type` for every enabled subscription taking it, through `executor` (the change's
     * transaction). Throws for a type no package declares: a typo must not send nothing silently.
     */
    async emit(executor: Db, type: string, data: Record<string, unknown>): Promise<void> {
      if (!eventTypes.has(type)) throw new Error(`event type "${type}" is not declared by any package`);
      const subscriptions = await enabledSubscriptionTypes(executor);
      const ids = subscriptions
        .filter((subscription) => takesType(JSON.parse(subscription.event_types) as string[], type))
        .map((subscription) => subscription.id);
      if (ids.length === 0) return;
      await write(executor, type, ids, data);
      onWritten();
    },

    /** Writes `type` for one subscription whatever types it takes (a `ping`). */
    async emitTo(
      executor: Db,
      subscriptionId: number,
      type: string,
      data: Record<string, unknown>,
    ): Promise<MessageRow> {
      const [row] = await write(executor, type, [subscriptionId], data);
      onWritten();
      return row;
    },
  };
}

export type Outbox = ReturnType<typeof createOutbox>;
