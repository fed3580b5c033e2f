import type { PrimaryWrite } from '../../core/primary-writes.ts';
import { insertDeliveriesOnce } from './repository.ts';
import type { DeliveryRow, NewDeliveryRow } from './table.ts';

/**
 * Storing new deliveries, many rows in one INSERT: by receiving itself, or under `serve --workers`
 * on SQLite by the primary for every worker (core/primary-writes.ts). A row answers its id and
 * status, or undefined when the hook already held its external id.
 */
export const deliveryInserts: PrimaryWrite<NewDeliveryRow, Pick<DeliveryRow, 'id' | 'status'> | undefined> = {
  name: 'hooks.insert-deliveries',
  commit: insertDeliveriesOnce,
  // Eleven bound parameters a row: far under either database's limit on one statement's parameters.
  maxBatch: 256,
};
