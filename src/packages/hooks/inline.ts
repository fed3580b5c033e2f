import { nowIso } from '../../core/db.ts';
import type { HandlerReply, HookHandler } from '../../core/hook-handlers.ts';
import type { NewDeliveryRow } from './table.ts';

// Where a delivery's handler runs: in the worker, never inside the sender's request, except for
// a handler with `inline` (Twilio's TwiML answer), which answers the sender. Both halves of that
// decision are here: how receiving stores the delivery, and what the request then answers.

export type InlineReply = NonNullable<HookHandler['inline']>;

/**
 * How a new delivery of `handler` is stored. An inline handler's is claimed in the very insert,
 * so no worker takes it before the request runs it; should this process die first, the lease
 * lapses and a worker does. Any other is pending, due now, and wakes the worker.
 */
export function newDeliveryState(handler: HookHandler | undefined, receivedAt: Date, leaseMs: number) {
  const inline = handler?.inline;
  const state: Pick<NewDeliveryRow, 'status' | 'attempts' | 'next_attempt_at'> = inline
    ? { status: 'processing', attempts: 1, next_attempt_at: nowIso(new Date(receivedAt.getTime() + leaseMs)) }
    : { status: 'pending', attempts: 0, next_attempt_at: nowIso(receivedAt) };
  return { inline, state, wakeWorker: inline === undefined };
}

/**
 * What the sender is answered when the hook's handler runs inline, or undefined when it does not
 * (the worker runs it). A new delivery is run now, in the request, by `runClaimed` (the handler's
 * reply, or undefined when it failed: the worker retries it); a redelivery gets the fallback, since
 * its first run may still be going and two runs at once are what the claim rules out.
 */
export async function inlineAnswer(
  received: { id: number; duplicate: boolean; inline?: InlineReply },
  runClaimed: (deliveryId: number) => Promise<HandlerReply | undefined>,
): Promise<HandlerReply | undefined> {
  const { inline } = received;
  if (inline === undefined) return undefined;
  if (received.duplicate) return inline.fallback;
  return (await runClaimed(received.id)) ?? inline.fallback;
}
