import type { Db } from '../../core/db.ts';
import type { NewRefusedCallRow, RefusedCallRow } from './table.ts';

// Rows a PostgreSQL statement may carry: 8 columns each, well under its 65,535 parameters.
const INSERT_CHUNK = 500;

/** The ids of the named hooks that exist, by name. */
export async function hookIdsByName(db: Db, names: string[]): Promise<Map<string, number>> {
  const rows = await db.selectFrom('hooks').select(['id', 'name']).where('name', 'in', names).execute();
  return new Map(rows.map((row) => [row.name, row.id]));
}

export async function insertRefusedCalls(db: Db, rows: NewRefusedCallRow[]): Promise<void> {
  for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
    await db
      .insertInto('hook_refused_calls')
      .values(rows.slice(start, start + INSERT_CHUNK))
      .execute();
  }
}

/** Deletes a hook's refused calls but its newest `keep`. */
export async function trimRefusedCalls(db: Db, hookId: number, keep: number): Promise<void> {
  await db
    .deleteFrom('hook_refused_calls')
    .where('hook_id', '=', hookId)
    .where('id', '<=', (eb) =>
      eb
        .selectFrom('hook_refused_calls')
        .select('id')
        .where('hook_id', '=', hookId)
        .orderBy('id', 'desc')
        .limit(1)
        .offset(keep),
    )
    .execute();
}

export async function deleteRefusedBefore(db: Db, before: string): Promise<number> {
  const result = await db.deleteFrom('hook_refused_calls').where('received_at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export type RefusedCallWithHook = RefusedCallRow & { hook: string };

/** Refused calls newest first, of one hook or all, those before id `before` (keyset paging on the id indexes). */
export function listRefusedCalls(
  db: Db,
  filter: { hookId?: number; reason?: string; before?: number },
  limit: number,
): Promise<RefusedCallWithHook[]> {
  let query = db
    .selectFrom('hook_refused_calls')
    .innerJoin('hooks', 'hooks.id', 'hook_refused_calls.hook_id')
    .selectAll('hook_refused_calls')
    .select('hooks.name as hook');
  if (filter.hookId !== undefined) query = query.where('hook_refused_calls.hook_id', '=', filter.hookId);
  if (filter.reason !== undefined) query = query.where('hook_refused_calls.reason', '=', filter.reason);
  if (filter.before !== undefined) query = query.where('hook_refused_calls.id', '<', filter.before);
  return query.orderBy('hook_refused_calls.id', 'desc').limit(limit).execute();
}

export function findRefusedCall(db: Db, id: number): Promise<RefusedCallWithHook | undefined> {
  return db
    .selectFrom('hook_refused_calls')
    .innerJoin('hooks', 'hooks.id', 'hook_refused_calls.hook_id')
    .selectAll('hook_refused_calls')
    .select('hooks.name as hook')
    .where('hook_refused_calls.id', '=', id)
    .executeTakeFirst();
}

export async function countRefusedCalls(db: Db, filter: { hookId?: number; reason?: string }): Promise<number> {
  let query = db.selectFrom('hook_refused_calls');
  if (filter.hookId !== undefined) query = query.where('hook_id', '=', filter.hookId);
  if (filter.reason !== undefined) query = query.where('reason', '=', filter.reason);
  const { total } = await query.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow();
  return Number(total);
}
