import type { Db } from '../../core/db.ts';
import { type Page, selectPage } from '../../core/paging.ts';
import { precompiled } from '../../core/precompiled.ts';
import type {
  AttemptRow,
  DeliveryRow,
  DeliveryStatus,
  HookRow,
  HookRowUpdate,
  NewDeliveryRow,
  NewHookRow,
} from './table.ts';

export function insertHook(db: Db, row: NewHookRow): Promise<HookRow> {
  return db.insertInto('hooks').values(row).returningAll().executeTakeFirstOrThrow();
}

// Read on every call to a hook, so compiled once (see core/precompiled.ts).
const hookNamed = precompiled((db: Db, name: string) => db.selectFrom('hooks').selectAll().where('name', '=', name));

export async function findHookByName(db: Db, name: string): Promise<HookRow | undefined> {
  const [row] = await hookNamed(db, name);
  return row;
}

export function findHookByLegacyPath(db: Db, path: string): Promise<HookRow | undefined> {
  return db.selectFrom('hooks').selectAll().where('legacy_path', '=', path).executeTakeFirst();
}

export function updateHook(db: Db, id: number, changes: HookRowUpdate): Promise<HookRow | undefined> {
  return db.updateTable('hooks').set(changes).where('id', '=', id).returningAll().executeTakeFirst();
}

/** Sets a hook's secrets only if they are still `expected`; undefined when they changed meanwhile. */
export function replaceSecrets(db: Db, id: number, expected: string, secrets: string): Promise<HookRow | undefined> {
  return db
    .updateTable('hooks')
    .set({ secrets })
    .where('id', '=', id)
    .where('secrets', '=', expected)
    .returningAll()
    .executeTakeFirst();
}

export function findHookById(db: Db, id: number): Promise<HookRow | undefined> {
  return db.selectFrom('hooks').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listHooks(db: Db, page: Page): Promise<{ rows: HookRow[]; total: number }> {
  const hooks = db.selectFrom('hooks');
  return selectPage(hooks, hooks.selectAll().orderBy('name'), page);
}

export async function deleteHookByName(db: Db, name: string): Promise<boolean> {
  const result = await db.deleteFrom('hooks').where('name', '=', name).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/**
 * Stores deliveries in one statement, each unless its hook already holds one with its external
 * id; answers, for each row in order, the new row's id and status, or undefined when the delivery
 * was already there (or an earlier row of the same call holds its id). One statement is atomic on
 * its own: no transaction to open, one round trip, one commit.
 */
export async function insertDeliveriesOnce(
  db: Db,
  rows: NewDeliveryRow[],
): Promise<(Pick<DeliveryRow, 'id' | 'status'> | undefined)[]> {
  const inserted = await db
    .insertInto('hook_deliveries')
    .values(rows)
    .onConflict((conflict) => conflict.columns(['hook_id', 'external_id']).doNothing())
    .returning(['id', 'status', 'hook_id', 'external_id'])
    .execute();
  const byKey = new Map(inserted.map((row) => [`${row.hook_id} ${row.external_id}`, row]));
  return rows.map((row) => {
    const key = `${row.hook_id} ${row.external_id}`;
    const stored = byKey.get(key);
    byKey.delete(key);
    return stored && { id: stored.id, status: stored.status };
  });
}

export function findDeliveryByExternalId(
  db: Db,
  hookId: number,
  externalId: string,
): Promise<Pick<DeliveryRow, 'id' | 'status'> | undefined> {
  return db
    .selectFrom('hook_deliveries')
    .select(['id', 'status'])
    .where('hook_id', '=', hookId)
    .where('external_id', '=', externalId)
    .executeTakeFirst();
}

/** A delivery with its hook's name. */
export type DeliveryWithHook = DeliveryRow & { hook: string };

export async function listDeliveries(
  db: Db,
  hookId: number,
  page: Page,
  status: DeliveryStatus | undefined,
): Promise<{ rows: DeliveryWithHook[]; total: number }> {
  let query = db
    .selectFrom('hook_deliveries')
    .innerJoin('hooks', 'hooks.id', 'hook_deliveries.hook_id')
    .where('hook_deliveries.hook_id', '=', hookId);
  if (status !== undefined) query = query.where('hook_deliveries.status', '=', status);
  const rows = query
    .selectAll('hook_deliveries')
    .select('hooks.name as hook')
    // Ids grow with arrival, so they order deliveries received within the same millisecond too.
    .orderBy('hook_deliveries.received_at', 'desc')
    .orderBy('hook_deliveries.id', 'desc');
  return selectPage(query, rows, page);
}

export function findDelivery(db: Db, id: number): Promise<DeliveryWithHook | undefined> {
  return db
    .selectFrom('hook_deliveries')
    .innerJoin('hooks', 'hooks.id', 'hook_deliveries.hook_id')
    .selectAll('hook_deliveries')
    .select('hooks.name as hook')
    .where('hook_deliveries.id', '=', id)
    .executeTakeFirst();
}

/** A delivery's handler runs, oldest first. */
export function listAttempts(db: Db, deliveryId: number): Promise<AttemptRow[]> {
  return db
    .selectFrom('hook_attempts')
    .selectAll()
    .where('delivery_id', '=', deliveryId)
    .orderBy('started_at')
    .orderBy('id')
    .execute();
}

/**
 * Makes a delivery due now as if just received, unless a worker holds it (`processing`): the
 * condition is in the UPDATE itself, so a worker claiming it at the same moment cannot be undercut.
 * True when it was reset.
 */
export async function requeueDelivery(db: Db, id: number, at: string): Promise<boolean> {
  const result = await db
    .updateTable('hook_deliveries')
    .set({ status: 'pending', attempts: 0, next_attempt_at: at, last_error: null, processed_at: null })
    .where('id', '=', id)
    .where('status', '<>', 'processing')
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Which deliveries a list or a bulk replay covers; times are ISO strings, `since` inclusive, `until` exclusive. */
export interface DeliveryRowFilter {
  hookId?: number;
  status?: DeliveryStatus;
  since?: string;
  until?: string;
}

/** Where a keyset page starts: after the delivery received at `at` with id `id`, newest first. */
export interface DeliveryCursor {
  at: string;
  id: number;
}

/**
 * Deliveries newest first matching the filter, after the cursor, up to `limit`: keyset paging on
 * the (hook_id | status)?, received_at, id indexes, so a late page costs what the first does.
 */
export function listDeliveriesAfter(
  db: Db,
  filter: DeliveryRowFilter,
  cursor: DeliveryCursor | undefined,
  limit: number,
): Promise<DeliveryWithHook[]> {
  let query = db
    .selectFrom('hook_deliveries')
    .innerJoin('hooks', 'hooks.id', 'hook_deliveries.hook_id')
    .selectAll('hook_deliveries')
    .select('hooks.name as hook');
  if (filter.hookId !== undefined) query = query.where('hook_deliveries.hook_id', '=', filter.hookId);
  if (filter.status !== undefined) query = query.where('hook_deliveries.status', '=', filter.status);
  if (filter.since !== undefined) query = query.where('hook_deliveries.received_at', '>=', filter.since);
  if (filter.until !== undefined) query = query.where('hook_deliveries.received_at', '<', filter.until);
  if (cursor !== undefined) {
    // A row value, which both databases serve from the index; the spelled-out OR made SQLite scan.
    query = query.where((eb) =>
      eb(eb.refTuple('hook_deliveries.received_at', 'hook_deliveries.id'), '<', eb.tuple(cursor.at, cursor.id)),
    );
  }
  return query
    .orderBy('hook_deliveries.received_at', 'desc')
    .orderBy('hook_deliveries.id', 'desc')
    .limit(limit)
    .execute();
}

export async function countDeliveries(db: Db, filter: DeliveryRowFilter): Promise<number> {
  let query = db.selectFrom('hook_deliveries');
  if (filter.hookId !== undefined) query = query.where('hook_id', '=', filter.hookId);
  if (filter.status !== undefined) query = query.where('status', '=', filter.status);
  if (filter.since !== undefined) query = query.where('received_at', '>=', filter.since);
  if (filter.until !== undefined) query = query.where('received_at', '<', filter.until);
  const { total } = await query.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow();
  return Number(total);
}

/** How many deliveries a hook holds in each status. */
export async function countDeliveriesByStatus(db: Db, hookId: number): Promise<Record<DeliveryStatus, number>> {
  const rows = await db
    .selectFrom('hook_deliveries')
    .select(['status', (eb) => eb.fn.countAll<number>().as('count')])
    .where('hook_id', '=', hookId)
    .groupBy('status')
    .execute();
  const counts: Record<DeliveryStatus, number> = { pending: 0, processing: 0, done: 0, failed: 0 };
  for (const row of rows) counts[row.status] = Number(row.count);
  return counts;
}

/**
 * Every hook with its deliveries not yet processed (pending or being processed), 0 for none: one
 * query for all hooks, reaching only those rows through the status index.
 */
export async function countUnprocessedByHook(db: Db): Promise<{ hook: string; count: number }[]> {
  const rows = await db
    .selectFrom('hooks')
    .leftJoin('hook_deliveries', (join) =>
      join
        .onRef('hook_deliveries.hook_id', '=', 'hooks.id')
        .on('hook_deliveries.status', 'in', ['pending', 'processing']),
    )
    .select(['hooks.name as hook', (eb) => eb.fn.count<number>('hook_deliveries.id').as('count')])
    .groupBy('hooks.name')
    .execute();
  return rows.map((row) => ({ hook: row.hook, count: Number(row.count) }));
}

/** Makes every failed delivery matching the filter due now as if just received; answers how many. */
export async function requeueFailedDeliveries(
  db: Db,
  filter: Omit<DeliveryRowFilter, 'status'>,
  at: string,
): Promise<number> {
  let query = db
    .updateTable('hook_deliveries')
    .set({ status: 'pending', attempts: 0, next_attempt_at: at, last_error: null, processed_at: null })
    .where('status', '=', 'failed');
  if (filter.hookId !== undefined) query = query.where('hook_id', '=', filter.hookId);
  if (filter.since !== undefined) query = query.where('received_at', '>=', filter.since);
  if (filter.until !== undefined) query = query.where('received_at', '<', filter.until);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows);
}
