import { nowIso } from '../../core/db.ts';
import type { Page, Paged } from '../../core/paging.ts';
import { deliveryRowToDelivery, deliveryRowToDetail } from './api-objects.ts';
import { type HooksContext, hookByName } from './context.ts';
import { DeliveryBusyError, DeliveryNotFoundError } from './errors.ts';
import * as repository from './repository.ts';
import type { Delivery, DeliveryDetail } from './schemas.ts';
import type { DeliveryStatus } from './table.ts';

/** Reading stored deliveries, and replaying them. */
export function createDeliveries(context: HooksContext) {
  const { db, onPending, now } = context;
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
    async replayDelivery(id: number): Promise<Delivery> {
      if (!(await repository.requeueDelivery(db, id, nowIso(now())))) {
        if (await repository.findDelivery(db, id)) throw new DeliveryBusyError(id);
        throw new DeliveryNotFoundError();
      }
      onPending?.();
      const row = await repository.findDelivery(db, id);
      // Removed with its hook in the moment since the reset.
      if (!row) throw new DeliveryNotFoundError();
      return deliveryRowToDelivery(row);
    },
  };
}
