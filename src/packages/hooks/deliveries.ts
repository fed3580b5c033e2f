import type { Actor } from '../../core/actor.ts';
import { inTransaction, nowIso } from '../../core/db.ts';
import type { Page, Paged } from '../../core/paging.ts';
import { deliveryRowToDelivery, deliveryRowToDetail } from './api-objects.ts';
import { type HooksContext, hookByName } from './context.ts';
import { DeliveryBusyError, DeliveryNotFoundError } from './errors.ts';
import * as repository from './repository.ts';
import type { Delivery, DeliveryDetail } from './schemas.ts';
import type { DeliveryStatus } from './table.ts';

/** Reading stored deliveries, and replaying them. */
export function createDeliveries(context: HooksContext) {
  const { db, audit, onPending, now } = context;
  return {
    async listDeliveries(hookName: string, page: Page, status: DeliveryStatus | undefined): Promise<Paged<Delivery>> {
      const hook = await hookByName(context, hookName);
      const { rows, total } = await repository.listDeliveries(db, hook.id, page, status);
      return { items: rows.map(deliveryRowToDelivery), total, ...page };
    },

    async getDelivery(id: number): Promise<DeliveryDetail> {
      const [row, attempts] = await Promise.all([repository.findDelivery(db, id), repository.listAttempts(db, id)]);
      if (!row) throw new DeliveryNotFoundError();
      return deliveryRowToDetail(row, attempts);
    },

    /**
     * Runs a delivery's handler again from scratch: pending, attempts 0, due now, its last error
     * and processed time cleared; its attempt log is kept. Refused while a worker is running it.
     */
    async replayDelivery(actor: Actor, id: number): Promise<Delivery> {
      const row = await inTransaction(db, async (trx) => {
        if (!(await repository.requeueDelivery(trx, id, nowIso(now())))) {
          if (await repository.findDelivery(trx, id)) throw new DeliveryBusyError(id);
          throw new DeliveryNotFoundError();
        }
        const requeued = await repository.findDelivery(trx, id);
        if (!requeued) throw new DeliveryNotFoundError();
        await audit.record(trx, actor, {
          action: 'delivery.replayed',
          target: `delivery:${id}`,
          summary: { hook: requeued.hook, external_id: requeued.external_id },
        });
        return requeued;
      });
      onPending?.();
      return deliveryRowToDelivery(row);
    },
  };
}
