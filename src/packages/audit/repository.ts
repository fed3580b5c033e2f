import type { Db } from '../../core/db.ts';
import { type Page, selectPage } from '../../core/paging.ts';
import type { AuditEntryRow, NewAuditEntryRow } from './table.ts';

export interface AuditFilter {
  actor?: string;
  action?: string;
  target?: string;
  /** ISO timestamps, inclusive. */
  since?: string;
  until?: string;
  /** Keyset paging: only entries older than this id. */
  before?: number;
}

export async function insertEntry(db: Db, row: NewAuditEntryRow): Promise<void> {
  await db.insertInto('audit_entries').values(row).execute();
}

export async function listEntries(
  db: Db,
  filter: AuditFilter,
  page: Page,
): Promise<{ rows: AuditEntryRow[]; total: number }> {
  let matching = db.selectFrom('audit_entries');
  if (filter.actor !== undefined) matching = matching.where('actor_username', '=', filter.actor);
  if (filter.action !== undefined) matching = matching.where('action', '=', filter.action);
  if (filter.target !== undefined) matching = matching.where('target', '=', filter.target);
  if (filter.since !== undefined) matching = matching.where('at', '>=', filter.since);
  if (filter.until !== undefined) matching = matching.where('at', '<=', filter.until);
  if (filter.before !== undefined) matching = matching.where('id', '<', filter.before);
  return selectPage(matching, matching.selectAll().orderBy('id', 'desc'), page);
}

/** Deletes entries from before `cutoff`; answers how many. */
export async function deleteEntriesBefore(db: Db, cutoff: string): Promise<number> {
  const result = await db.deleteFrom('audit_entries').where('at', '<', cutoff).executeTakeFirst();
  return Number(result.numDeletedRows);
}
