import { type Kysely, type SelectQueryBuilder, type SqlBool, sql } from 'kysely';
import type { AdminColumn, AdminContext, AdminListPage, AdminListQuery, AdminModel, AdminRow } from './admin.ts';
import { HttpError } from './http-errors.ts';

type AnyDb = Kysely<any>;
type AnyQuery = SelectQueryBuilder<any, any, any>;

export interface TableListOptions {
  /** The table the model lists; its `id` column is the tie-breaker of every order. */
  table: string;
  /** The model's columns: searchable, filterable and sortable ones are table columns of the same name. */
  columns: readonly AdminColumn[];
  /** Narrows the rows every list and count sees (tokens: not revoked). */
  where?: (query: AnyQuery) => AnyQuery;
  /** Turns the page's table rows into admin rows in one go (joins for the whole page, no query per row). */
  toRows?: (rows: Record<string, unknown>[], context: AdminContext) => Promise<AdminRow[]>;
}

type Cursor = [string | number, number];

// What a cursor may hold and both databases accept as a bound value: PostgreSQL refuses NUL in
// text and integers past 32 bits in an integer column, and either would be a 500, not a 400.
const MAX_INT = 2 ** 31 - 1;
const isCursorInteger = (value: unknown) => Number.isInteger(value) && Math.abs(value as number) <= MAX_INT;
const isCursorText = (value: unknown) => typeof value === 'string' && value.length <= 1000 && !value.includes('\0');

function encodeCursor(row: Record<string, unknown>, sort: string): string {
  return Buffer.from(JSON.stringify([row[sort], row.id])).toString('base64url');
}

/** A cursor this list made; anything else is a 400, not a query. */
function decodeCursor(cursor: string): Cursor {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      (isCursorText(value[0]) || isCursorInteger(value[0])) &&
      isCursorInteger(value[1])
    ) {
      return value as Cursor;
    }
  } catch {
    // Not base64 JSON: refused below like any other bad cursor.
  }
  throw new HttpError('bad_request', 'that page link is not valid; start again from the first page');
}

/** A filter's value as stored: numbers (booleans are 0/1 on SQLite) as numbers. */
function storedValue(value: string): string | number {
  return /^-?\d{1,15}$/.test(value) ? Number(value) : value;
}

function escapeLike(search: string): string {
  return `%${search.replace(/[\\%_]/g, '\\$&')}%`;
}

/**
 * A model's `list` and `count` over one table: case-insensitive search across its searchable
 * columns, equality filters, and keyset pagination on (sort column, id), so a page deep in
 * 100,000 rows costs what the first does when an index on (column, id) exists. The sort column
 * must be NOT NULL: a null would fall out of the keyset comparison.
 */
export function tableList(options: TableListOptions) {
  const searchable = options.columns.filter((column) => column.searchable).map((column) => column.key);

  function matching(db: AnyDb, query: Pick<AdminListQuery, 'search' | 'filters'>): AnyQuery {
    let select: AnyQuery = db.selectFrom(options.table);
    if (options.where) select = options.where(select);
    if (query.search !== '' && searchable.length > 0) {
      const pattern = escapeLike(query.search);
      // lower() on both sides: PostgreSQL's LIKE heeds case where SQLite's does not.
      select = select.where((eb) =>
        eb.or(searchable.map((key) => sql<SqlBool>`lower(${sql.ref(key)}) like lower(${pattern}) escape '\\'`)),
      );
    }
    for (const [key, value] of Object.entries(query.filters)) select = select.where(key, '=', storedValue(value));
    return select;
  }

  async function list(query: AdminListQuery, context: AdminContext): Promise<AdminListPage> {
    const db = context.db as AnyDb;
    const base = matching(db, query);
    const backwards = query.before !== undefined;
    const cursor = query.after ?? query.before;
    // Walking back reads the page before the cursor in reverse order, then turns it round.
    const ascending = (query.direction === 'asc') !== backwards;
    let page = base.selectAll();
    if (cursor !== undefined) {
      const [value, id] = decodeCursor(cursor);
      const op = sql.raw(ascending ? '>' : '<');
      // A row-value comparison, which both databases serve from the (column, id) index; the
      // spelled-out `a > x or (a = x and id > y)` makes SQLite scan.
      page =
        query.sort === 'id'
          ? page.where('id', ascending ? '>' : '<', id)
          : page.where(sql<SqlBool>`(${sql.ref(query.sort)}, id) ${op} (${value}, ${id})`);
    }
    const order = ascending ? 'asc' : 'desc';
    if (query.sort !== 'id') page = page.orderBy(query.sort, order);
    page = page.orderBy('id', order).limit(query.limit + 1);
    const [fetched, count] = await Promise.all([
      page.execute() as Promise<Record<string, unknown>[]>,
      base.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow(),
    ]);
    const more = fetched.length > query.limit;
    const kept = fetched.slice(0, query.limit);
    if (backwards) kept.reverse();
    const first = kept[0];
    const last = kept.at(-1);
    const hasPrevious = backwards ? more : cursor !== undefined;
    const hasNext = backwards ? true : more;
    const rows = options.toRows ? await options.toRows(kept, context) : (kept as AdminRow[]);
    return {
      rows,
      total: Number((count as { total: number | string }).total),
      previous: hasPrevious && first ? encodeCursor(first, query.sort) : undefined,
      next: hasNext && last ? encodeCursor(last, query.sort) : undefined,
    };
  }

  async function count(context: AdminContext): Promise<number> {
    const db = context.db as AnyDb;
    const { total } = await matching(db, { search: '', filters: {} })
      .select((eb) => eb.fn.countAll<number>().as('total'))
      .executeTakeFirstOrThrow();
    return Number(total);
  }

  return { list, count };
}

/**
 * A read-only model over one table: its list, count and rows by id from `tableList`. A package
 * adds create, update, delete and actions by spreading it into a model of its own.
 */
export function tableModel(
  options: TableListOptions & Pick<AdminModel, 'label' | 'singular' | 'permissions'> & Partial<AdminModel>,
): AdminModel {
  const { table, where, toRows, ...model } = options;
  async function get(id: number, context: AdminContext): Promise<AdminRow | undefined> {
    let query: AnyQuery = (context.db as AnyDb).selectFrom(table).selectAll().where('id', '=', id);
    if (where) query = where(query);
    const rows = (await query.execute()) as Record<string, unknown>[];
    return (toRows ? await toRows(rows, context) : (rows as AdminRow[]))[0];
  }
  return { name: table, get, ...tableList(options), ...model };
}
