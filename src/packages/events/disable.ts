import type { TrailActor } from '../../core/actor.ts';
import { type Db, nowIso, toDbBool } from '../../core/db.ts';
import type { AuditService } from '../audit/index.ts';
import type { Outbox } from './outbox.ts';
import type { SubscriptionRow } from './table.ts';

export type DisabledReason = 'gone' | 'failing' | 'by hand';

/**
 * Disables an enabled subscription through `executor` (the transaction of the attempt or change
 * that decides it), with its `subscription.disabled` event to the subscriptions taking that type
 * and an audit entry; answers false when it was disabled already. Its pending messages wait, and
 * go again once it is enabled.
 */
export async function disableSubscription(
  executor: Db,
  deps: { audit: AuditService; outbox: Outbox; now: () => Date },
  actor: TrailActor,
  row: Pick<SubscriptionRow, 'id' | 'url'>,
  reason: DisabledReason,
): Promise<boolean> {
  const result = await executor
    .updateTable('event_subscriptions')
    .set({ enabled: toDbBool(false), disabled_reason: reason, updated_at: nowIso(deps.now()) })
    .where('id', '=', row.id)
    .where('enabled', '=', toDbBool(true))
    .executeTakeFirst();
  if (result.numUpdatedRows === 0n) return false;
  await deps.outbox.emit(executor, 'subscription.disabled', { id: row.id, url: row.url, reason });
  await deps.audit.record(executor, actor, {
    action: 'subscription.disabled',
    target: `subscription:${row.id}`,
    summary: { url: row.url, reason },
  });
  return true;
}
