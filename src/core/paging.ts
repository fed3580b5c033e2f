import type { SelectQueryBuilder } from 'kysely';

/** The slice of a list a caller asked for (`?limit=&offset=`). */
export interface Page {
  limit: number;
  offset: number;
}

/** A slice of a list as every list answers it. */
export interface Paged<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

/**
 * One page of `rows` (the list's query with its columns and order) and the count of everything
 * `matching` holds (the same query before columns and order), read side by side.
 */
export async function selectPage<DB, TB extends keyof DB, Row>(
  matching: SelectQueryBuilder<DB, TB, object>,
  rows: SelectQueryBuilder<DB, keyof DB, Row>,
  page: Page,
): Promise<{ rows: Row[]; total: number }> {
  const [items, count] = await Promise.all([
    rows.limit(page.limit).offset(page.offset).execute(),
    matching.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow(),
  ]);
  // The generic builder loses the selected column's type.
  return { rows: items, total: Number((count as { total: number | string }).total) };
}
