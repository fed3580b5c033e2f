import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { AdminListQuery, AdminModel } from '../../../core/admin.ts';
import { HttpError } from '../../../core/http-errors.ts';
import { adminContext, allowedOperations, findModel, requireOperation } from '../context.ts';
import { modelPath, renderAdminPage, rowTitle, showValue } from '../render.ts';
import { ListQuerySchema, ModelParamsSchema } from '../schemas.ts';

const PAGE_SIZE = 50;

type RawQuery = Record<string, string | undefined>;

/** The list query the page was asked for, checked against the model's columns; 400 for anything else. */
function listQuery(model: AdminModel, raw: RawQuery): AdminListQuery {
  const sortable = new Set(['id', ...model.columns.filter((column) => column.sortable).map((column) => column.key)]);
  const fallback = model.defaultSort ?? { key: 'id', direction: 'desc' };
  const sort = raw.sort ?? fallback.key;
  if (!sortable.has(sort)) throw new HttpError('bad_request', `the list cannot be sorted by ${sort}`);
  const filters: Record<string, string> = {};
  for (const column of model.columns) {
    const value = raw[`f_${column.key}`];
    if (!column.filter || value === undefined || value === '') continue;
    if (!column.filter.some((choice) => choice.value === value)) {
      throw new HttpError('bad_request', `${column.label} cannot be filtered by that value`);
    }
    filters[column.key] = value;
  }
  return {
    search: raw.q?.trim() ?? '',
    sort,
    direction: (raw.dir as 'asc' | 'desc' | undefined) ?? (raw.sort === undefined ? fallback.direction : 'asc'),
    filters,
    after: raw.after,
    before: raw.before,
    limit: PAGE_SIZE,
  };
}

/** The address of the same list with some parameters changed; cursors are dropped unless given. */
function listUrl(base: string, query: AdminListQuery, change: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  const all: Record<string, string | undefined> = {
    q: query.search || undefined,
    sort: query.sort,
    dir: query.direction,
    ...Object.fromEntries(Object.entries(query.filters).map(([key, value]) => [`f_${key}`, value])),
    ...change,
  };
  for (const [key, value] of Object.entries(all)) if (value !== undefined) params.set(key, value);
  return `${base}?${params}`;
}

/** `GET /admin/:pkg/:model/`: search, filters, sortable columns, keyset pages and bulk actions. */
export async function listPage(instance: FastifyInstance): Promise<void> {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/admin/:pkg/:model/',
    {
      config: { permission: 'admin.access' },
      schema: { hide: true, params: ModelParamsSchema, querystring: ListQuerySchema },
    },
    async (request, reply) => {
      const { pkg } = request.params;
      const model = findModel(request, pkg, request.params.model);
      const context = await adminContext(request);
      await requireOperation(model, 'view', context);
      const query = listQuery(model, request.query as RawQuery);
      const [page, allowed] = await Promise.all([model.list(query, context), allowedOperations(model, context)]);
      const base = modelPath(pkg, model);
      const titleKey = model.title ?? model.columns[0]?.key;
      return renderAdminPage(reply, 'packages/admin/templates/list.eta', {
        title: model.label,
        base,
        model: { label: model.label, singular: model.singular },
        search: query.search,
        searchable: model.columns.some((column) => column.searchable),
        filters: model.columns
          .filter((column) => column.filter)
          .map((column) => ({
            key: column.key,
            label: column.label,
            choices: column.filter,
            value: query.filters[column.key] ?? '',
          })),
        sorts: [
          { key: 'id', label: 'Added', selected: query.sort === 'id' },
          ...model.columns
            .filter((column) => column.sortable)
            .map((column) => ({ key: column.key, label: column.label, selected: query.sort === column.key })),
        ],
        direction: query.direction,
        columns: model.columns.map((column) => ({
          label: column.label,
          sortHref: column.sortable
            ? listUrl(base, query, {
                sort: column.key,
                dir: query.sort === column.key && query.direction === 'asc' ? 'desc' : 'asc',
              })
            : undefined,
          sorted: query.sort === column.key ? query.direction : undefined,
        })),
        rows: page.rows.map((row) => ({
          id: row.id,
          href: `${base}${row.id}`,
          title: rowTitle(model, row),
          cells: model.columns.map((column) => ({
            label: column.label,
            link: column.key === titleKey,
            text: showValue(row[column.key]),
          })),
        })),
        total: page.total,
        first: query.after !== undefined || query.before !== undefined ? listUrl(base, query, {}) : undefined,
        previous: page.previous ? listUrl(base, query, { before: page.previous }) : undefined,
        next: page.next ? listUrl(base, query, { after: page.next }) : undefined,
        canAdd: allowed.add,
        actions: allowed.actions
          .filter((action) => action.bulk !== false)
          .map((action) => ({ name: action.name, label: action.label })),
      });
    },
  );
}
