import type { Actor } from '../../core/actor.ts';
import { inTransaction, nowIso } from '../../core/db.ts';
import type { Page, Paged } from '../../core/paging.ts';
import { deliveryRowToDelivery, deliveryRowToDetail } from './api-objects.ts';
import { type HooksContext, hookByName } from './context.ts';
import { DeliveryBusyError, DeliveryNotFoundError, InvalidDeliveryError } from './errors.ts';
import * as repository from './repository.ts';
import type { Delivery, DeliveryDetail } from './schemas.ts';
import type { DeliveryStatus } from './table.ts';

/** Which deliveries a list or a bulk replay covers: a hook by name, a status, a time range (`since` inclusive, `until` exclusive). */
export interface DeliveryFilter {
  hook?: string;
  status?: DeliveryStatus;
  since?: string;
  until?: string;
}

/** A page of a keyset-paged list; `next` asks for the page after it, absent on the last. */
export interface KeysetPage<T> {
  items: T[];
  next: string | undefined;
}

/** A time as stored, from any date-time text; throws InvalidDeliveryError for anything else. */
function checkedTime(text: string | undefined, field: string): string | undefined {
  if (text === undefined || text === '') return undefined;
  const time = new Date(text);
  if (Number.isNaN(time.getTime())) throw new InvalidDeliveryError(`${field} must be a date and time`);
  return nowIso(time);
}

const CURSOR = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)_(\d{1,10})$/;
// Ids are 32-bit integers on PostgreSQL: a larger one would be a database error, not a 400.
const MAX_ID = 2 ** 31 - 1;

function parseCursor(text: string | undefined): repository.DeliveryCursor | undefined {
  if (text === undefined || text === '') return undefined;
  const match = CURSOR.exec(Buffer.from(text, 'base64url').toString('utf8'));
  // A time that does not round-trip (February 30th) is refused here, not by the database.
  const at = match ? new Date(match[1]) : undefined;
  if (!match || Number(match[2]) > MAX_ID || Number.isNaN(at?.getTime()) || at?.toISOString() !== match[1]) {
    throw new InvalidDeliveryError('after must be the next value a list answered');
  }
  return { at: match[1], id: Number(match[2]) };
}

/** Reading stored deliveries, and replaying them. */
export function createDeliveries(context: HooksContext) {
  const { db, audit, onPending, now } = context;

  async function rowFilter(filter: DeliveryFilter): Promise<repository.DeliveryRowFilter> {
    const hookId = filter.hook === undefined ? undefined : (await hookByName(context, filter.hook)).id;
    return {
      hookId,
      status: filter.status,
      since: checkedTime(filter.since, 'since'),
      until: checkedTime(filter.until, 'until'),
    };
  }

  return {
    /** Deliveries newest first matching the filter, `limit` a page, from `after` (the `next` of the page before). */
    async listDeliveriesPage(filter: DeliveryFilter, limit: number, after?: string): Promise<KeysetPage<Delivery>> {
      const rows = await repository.listDeliveriesAfter(db, await rowFilter(filter), parseCursor(after), limit + 1);
      const items = rows.slice(0, limit);
      const last = items.at(-1);
      // Opaque and URL-safe, as every list's page links are.
      const next =
        rows.length > limit && last ? Buffer.from(`${last.received_at}_${last.id}`).toString('base64url') : undefined;
      return { items: items.map(deliveryRowToDelivery), next };
    },

    /** How many deliveries match the filter. */
    async countDeliveriesMatching(filter: DeliveryFilter): Promise<number> {
      return repository.countDeliveries(db, await rowFilter(filter));
    },

    /** How many deliveries the hook holds in each status. */
    async countDeliveries(hookName: string): Promise<Record<DeliveryStatus, number>> {
      return repository.countDeliveriesByStatus(db, (await hookByName(context, hookName)).id);
    },

    /**
     * Replays every failed delivery matching the filter (its status is `failed` whatever the filter
     * says) in one transaction, as replayDelivery does one; answers how many.
     */
    async replayFailedDeliveries(actor: Actor, filter: Omit<DeliveryFilter, 'status'>): Promise<number> {
      const rows = await rowFilter(filter);
      const count = await inTransaction(db, async (trx) => {
        const requeued = await repository.requeueFailedDeliveries(trx, rows, nowIso(now()));
        await audit.record(trx, actor, {
          action: 'delivery.bulk_replayed',
          target: filter.hook === undefined ? 'deliveries' : `hook:${filter.hook}`,
          summary: { ...filter, count: requeued },
        });
        return requeued;
      });
      if (count > 0) onPending?.();
      return count;
    },

    async listDeliveries(hookName: string, page: Page, status: DeliveryStatus | undefined): Promise<Paged<Delivery>> {
      const hook = await hookByName(context, hookName);
      const { rows, total } = await repository.listDeliveries(db, hook.id, page, status);
      return { items: rows.map(deliveryRowToDelivery), total, ...page };
    },

    /** The id of the named hook's delivery the sender calls `externalId`, or undefined. */
    async deliveryIdByExternalId(hookName: string, externalId: string): Promise<number | undefined> {
      const hook = await hookByName(context, hookName);
      return (await repository.findDeliveryByExternalId(db, hook.id, externalId))?.id;
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
