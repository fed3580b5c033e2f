import type { AdminContext, AdminModel, AdminRow, AdminSection } from '../../core/admin.ts';
import { keysetListPage, orUndefined, shownBody } from './admin-common.ts';
import type { Delivery, DeliveryDetail } from './schemas.ts';
import type { DeliveryStatus } from './table.ts';

const STATUSES: DeliveryStatus[] = ['pending', 'processing', 'done', 'failed'];

const columns = [
  { key: 'hook', label: 'Hook', searchable: true },
  { key: 'received_at', label: 'Received' },
  { key: 'status', label: 'Status', filter: STATUSES.map((status) => ({ value: status, label: status })) },
  { key: 'attempts', label: 'Attempts' },
  { key: 'external_id', label: 'Sender id' },
];

function deliveryToRow(delivery: Delivery): AdminRow {
  const { id, hook, received_at, status, attempts, external_id, processed_at, content_type, sender_ip } = delivery;
  return {
    id,
    hook,
    received_at,
    status,
    attempts,
    external_id,
    processed_at,
    content_type,
    sender_ip,
    last_error: delivery.last_error,
  };
}

/** The search box names a hook (its exact name), the status filter a status. */
function filterOf(search: string, filters: Record<string, string>) {
  const status = STATUSES.find((value) => value === filters.status);
  return { hook: search === '' ? undefined : search, status };
}

async function sections(detail: DeliveryDetail): Promise<AdminSection[]> {
  const body = shownBody(detail.body, detail.body_encoding);
  return [
    {
      title: 'Headers kept',
      fields: [{ label: 'Headers', value: JSON.stringify(detail.headers, null, 2), pre: true }],
    },
    {
      title: body.cut ? 'Body (the first 64 KiB)' : 'Body',
      fields: [{ label: 'Body', value: body.text, pre: true }],
      links: [{ label: 'Download the body', href: `/admin/hooks/body/${detail.id}` }],
    },
    {
      title: 'Attempt log',
      table: {
        columns: ['Attempt', 'Started', 'Finished', 'Outcome', 'Error'],
        rows: detail.attempt_log.map((attempt) => [
          { text: String(attempt.attempt) },
          { text: attempt.started_at },
          { text: attempt.finished_at },
          { text: attempt.outcome },
          { text: attempt.error ?? '' },
        ]),
        empty: 'Not run yet.',
      },
    },
  ];
}

/** What the admin shows of one delivery, read once for its fields and its sections. */
async function detailOf(id: number, context: AdminContext): Promise<DeliveryDetail | undefined> {
  return orUndefined(context.services.hooks.getDelivery(id));
}

/**
 * Deliveries in the admin: newest first, by hook (the search box) and status, keyset-paged; each
 * with its headers, body (escaped by the page, pretty-printed, cut past 64 KiB with a download)
 * and attempt log; replay one or the checked ones. Every failed delivery of a hook and time range
 * is replayed from the search page (admin-pages.ts).
 */
export const deliveriesModel: AdminModel = {
  name: 'deliveries',
  label: 'Deliveries',
  singular: 'delivery',
  permissions: { view: 'hooks.view' },
  columns,
  title: 'received_at',
  async list(query, { services }) {
    const filter = filterOf(query.search, query.filters);
    return keysetListPage(
      services.hooks.listDeliveriesPage(filter, query.limit, query.after),
      services.hooks.countDeliveriesMatching(filter),
      deliveryToRow,
    );
  },
  count: ({ services }) => services.hooks.countDeliveriesMatching({}),
  async get(id, context) {
    const detail = await detailOf(id, context);
    return detail && deliveryToRow(detail);
  },
  detailFields: [
    { key: 'hook', label: 'Hook' },
    { key: 'status', label: 'Status' },
    { key: 'attempts', label: 'Attempts' },
    { key: 'received_at', label: 'Received' },
    { key: 'processed_at', label: 'Processed' },
    { key: 'external_id', label: 'Sender id' },
    { key: 'content_type', label: 'Content type' },
    { key: 'sender_ip', label: 'Sender address' },
    { key: 'last_error', label: 'Last error' },
  ],
  async detailSections(row, context) {
    const detail = await detailOf(row.id, context);
    return detail ? sections(detail) : [];
  },
  actions: [
    {
      name: 'replay',
      label: 'Replay',
      permission: 'hooks.change',
      confirm: 'Run the handler again from scratch? Its attempt log is kept.',
      async run(ids, { services, actor }) {
        for (const id of ids) await services.hooks.replayDelivery(actor, id);
        return { message: ids.length === 1 ? `Delivery ${ids[0]} replayed.` : `${ids.length} deliveries replayed.` };
      },
    },
  ],
};
