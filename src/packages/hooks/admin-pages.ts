import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { callerActor } from '../../core/actor.ts';
import { requirePermission } from '../../core/auth.ts';
import { HttpError } from '../../core/http-errors.ts';
import { IdParamsSchema, TextSchema } from '../../core/schemas.ts';
import { renderAdminPage, setFlash } from '../admin/index.ts';
import type { DeliveryFilter } from './deliveries.ts';
import type { DeliveryStatus } from './table.ts';
import { sendTestDelivery } from './test-console.ts';

const STATUSES: DeliveryStatus[] = ['pending', 'processing', 'done', 'failed'];
const PAGE = 50;

const SearchQuerySchema = Type.Object({
  hook: Type.Optional(TextSchema({ maxLength: 100 })),
  status: Type.Optional(Type.Union([Type.Literal(''), ...STATUSES.map((status) => Type.Literal(status))])),
  since: Type.Optional(TextSchema({ maxLength: 40 })),
  until: Type.Optional(TextSchema({ maxLength: 40 })),
  after: Type.Optional(TextSchema({ maxLength: 60 })),
});

const ReplayFormSchema = Type.Object({
  hook: Type.Optional(TextSchema({ maxLength: 100 })),
  since: Type.Optional(TextSchema({ maxLength: 40 })),
  until: Type.Optional(TextSchema({ maxLength: 40 })),
});

type SearchQuery = { hook?: string; status?: string; since?: string; until?: string };

// A datetime-local field sends no zone: the page says UTC, so it is read as UTC.
function asUtc(text: string | undefined): string | undefined {
  if (!text) return undefined;
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(text) ? `${text}Z` : text;
}

function filterOf(query: SearchQuery): DeliveryFilter {
  return {
    hook: query.hook?.trim() || undefined,
    status: STATUSES.find((status) => status === query.status),
    since: asUtc(query.since),
    until: asUtc(query.until),
  };
}

/** The same search's address, with more or other parameters. */
function searchHref(path: string, query: SearchQuery, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries({ ...query, ...extra })) if (value) params.set(key, value);
  return `${path}?${params}`;
}

/** Shown on the page itself, kept as typed: a hook name no hook has, a time that is none. */
function pageProblem(error: unknown): string {
  if (error instanceof HttpError && (error.status === 400 || error.status === 404))
    return error.detail ?? error.message;
  throw error;
}

const crumbs = (label: string, href: string) => [
  { label: 'Hooks', href: '/admin/hooks/hooks/' },
  { label, href },
];

/**
 * The hooks package's own admin pages, beside the generic ones core/admin.ts gives its models:
 * the test console, a delivery's raw body as a download, the deliveries search by time with bulk
 * replay of the failed ones it finds. Each needs admin.access and the hooks permission it uses.
 */
export async function adminPages(instance: FastifyInstance): Promise<void> {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  const { hooks } = app;

  app.get(
    '/admin/hooks/console/:id',
    { config: { permission: 'admin.access' }, schema: { hide: true, params: IdParamsSchema } },
    async (request, reply) => {
      await requirePermission(request, 'hooks.change');
      const hook = await hooks.getHookById(request.params.id);
      return renderAdminPage(reply, 'packages/hooks/templates/admin-console.eta', {
        title: `Test console: ${hook.name}`,
        crumbs: crumbs(hook.name, `/admin/hooks/hooks/${hook.id}`),
        hook,
      });
    },
  );

  app.post(
    '/admin/hooks/console/:id',
    { config: { permission: 'admin.access' }, schema: { hide: true, params: IdParamsSchema } },
    async (request, reply) => {
      await requirePermission(request, 'hooks.change');
      const actor = await callerActor(request);
      const hook = await hooks.getHookById(request.params.id);
      let outcome: Awaited<ReturnType<typeof sendTestDelivery>> | undefined;
      let error: string | undefined;
      try {
        outcome = await sendTestDelivery(app, { hook: hook.name, actor, host: request.host });
      } catch (failure) {
        error = pageProblem(failure);
      }
      return renderAdminPage(reply, 'packages/hooks/templates/admin-console.eta', {
        title: `Test console: ${hook.name}`,
        crumbs: crumbs(hook.name, `/admin/hooks/hooks/${hook.id}`),
        hook,
        outcome,
        error,
      });
    },
  );

  app.get(
    '/admin/hooks/body/:id',
    { config: { permission: 'admin.access' }, schema: { hide: true, params: IdParamsSchema } },
    async (request, reply) => {
      await requirePermission(request, 'hooks.view');
      const delivery = await hooks.getDelivery(request.params.id);
      // Whatever the sender said it was, it is handed over as bytes to save, never rendered here.
      return reply
        .type('application/octet-stream')
        .header('content-disposition', `attachment; filename="delivery-${delivery.id}.bin"`)
        .header('x-content-type-options', 'nosniff')
        .send(Buffer.from(delivery.body, delivery.body_encoding));
    },
  );

  app.get(
    '/admin/hooks/search',
    { config: { permission: 'admin.access' }, schema: { hide: true, querystring: SearchQuerySchema } },
    async (request, reply) => {
      const user = await requirePermission(request, 'hooks.view');
      const { after, ...query } = request.query;
      const filter = filterOf(query);
      let error: string | undefined;
      let page: Awaited<ReturnType<typeof hooks.listDeliveriesPage>> = { items: [], next: undefined };
      let total = 0;
      try {
        [page, total] = await Promise.all([
          hooks.listDeliveriesPage(filter, PAGE, after),
          hooks.countDeliveriesMatching(filter),
        ]);
      } catch (failure) {
        error = pageProblem(failure);
      }
      const mayReplay = await user.can('hooks.change');
      const offersReplay = mayReplay && (filter.status === undefined || filter.status === 'failed') && total > 0;
      return renderAdminPage(reply, 'packages/hooks/templates/admin-search.eta', {
        title: 'Search deliveries',
        crumbs: crumbs('Search deliveries', '/admin/hooks/search'),
        query: {
          hook: query.hook ?? '',
          status: query.status ?? '',
          since: query.since ?? '',
          until: query.until ?? '',
        },
        statuses: STATUSES,
        items: page.items,
        total,
        error,
        nextHref: page.next && searchHref('/admin/hooks/search', query, { after: page.next }),
        replayHref: offersReplay
          ? searchHref('/admin/hooks/replay-failed', { hook: query.hook, since: query.since, until: query.until })
          : undefined,
      });
    },
  );

  app.get(
    '/admin/hooks/replay-failed',
    { config: { permission: 'admin.access' }, schema: { hide: true, querystring: ReplayFormSchema } },
    async (request, reply) => {
      await requirePermission(request, 'hooks.change');
      const query = request.query;
      const count = await hooks.countDeliveriesMatching({ ...filterOf(query), status: 'failed' });
      return renderAdminPage(reply, 'packages/hooks/templates/admin-replay-failed.eta', {
        title: 'Replay failed deliveries',
        crumbs: crumbs('Search deliveries', searchHref('/admin/hooks/search', query)),
        query: { hook: query.hook ?? '', since: query.since ?? '', until: query.until ?? '' },
        count,
        back: searchHref('/admin/hooks/search', { ...query, status: 'failed' }),
      });
    },
  );

  app.post(
    '/admin/hooks/replay-failed',
    { config: { permission: 'admin.access' }, schema: { hide: true, body: ReplayFormSchema } },
    async (request, reply) => {
      await requirePermission(request, 'hooks.change');
      const { status: _status, ...filter } = filterOf(request.body);
      const count = await hooks.replayFailedDeliveries(await callerActor(request), filter);
      setFlash(request, reply, `${count} failed deliveries replayed.`);
      return reply.redirect(searchHref('/admin/hooks/search', { ...request.body, status: '' }), 303);
    },
  );
}
