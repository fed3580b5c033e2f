import { sql } from 'kysely';
import type { Db } from '../../core/db.ts';
import { type Page, selectPage } from '../../core/paging.ts';
import type { LinkRow, NewLinkRow } from './table.ts';

/** Stores the links, skipping any this delivery already archived; answers those stored now. */
export async function insertLinksOnce(db: Db, rows: NewLinkRow[]): Promise<LinkRow[]> {
  if (rows.length === 0) return [];
  return db
    .insertInto('links')
    .values(rows)
    .onConflict((conflict) => conflict.columns(['delivery_id', 'url']).doNothing())
    .returningAll()
    .execute();
}

/**
 * Links whose URL contains `search`, all of them when it is empty, newest message first and each
 * message's links in written order. Case-insensitive through lower() on both sides, as
 * PostgreSQL's LIKE heeds case where SQLite's does not.
 */
export async function listLinks(db: Db, search: string, page: Page): Promise<{ rows: LinkRow[]; total: number }> {
  let query = db.selectFrom('links');
  if (search !== '') {
    // % and _ in the search are themselves, not wildcards.
    const pattern = `%${search.replace(/[\\%_]/g, '\\$&')}%`;
    query = query.where(sql<boolean>`lower(url) like lower(${pattern}) escape '\\'`);
  }
  return selectPage(query, query.selectAll().orderBy('received_at', 'desc').orderBy('id', 'asc'), page);
}
