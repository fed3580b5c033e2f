import type { Db } from '../../core/db.ts';
import { type Page, selectPage } from '../../core/paging.ts';
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

export function findHookByName(db: Db, name: string): Promise<HookRow | undefined> {
  return db.selectFrom('hooks').selectAll().where('name', '=', name).executeTakeFirst();
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
 * Stores a delivery unless the hook already holds one with its external id; answers the new
 * row's id and status, or undefined when the delivery was already there.
 */
export function insertDeliveryOnce(
  db: Db,
  row: NewDeliveryRow,
): Promise<Pick<DeliveryRow, 'id' | 'status'> | undefined> {
  return db
    .insertInto('hook_deliveries')
    .values(row)
    .onConflict((conflict) => conflict.columns(['hook_id', 'external_id']).doNothing())
    .returning(['id', 'status'])
    .executeTakeFirst();
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
