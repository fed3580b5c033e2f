import type { AdminModel, AdminRow } from '../../core/admin.ts';
import { keysetListPage, orUndefined } from './admin-common.ts';
import { REFUSAL_REASONS, type RefusalReason } from './refused-calls.ts';
import type { RefusedCallView } from './refused-list.ts';

const columns = [
  { key: 'hook', label: 'Hook', searchable: true },
  { key: 'received_at', label: 'Received' },
  { key: 'reason', label: 'Reason', filter: REFUSAL_REASONS.map((reason) => ({ value: reason, label: reason })) },
  { key: 'sender_ip', label: 'Address' },
  { key: 'body_size', label: 'Body bytes' },
];

function callToRow(call: RefusedCallView): AdminRow {
  return {
    id: call.id,
    hook: call.hook,
    received_at: call.receivedAt,
    reason: call.reason,
    sender_ip: call.senderIp,
    body_size: call.bodySize,
    headers: JSON.stringify(call.headers, null, 2),
    preview: call.previewEncoding === 'base64' ? `(binary, base64) ${call.preview}` : call.preview,
  };
}

function filterOf(search: string, filters: Record<string, string>) {
  const reason = REFUSAL_REASONS.find((value) => value === filters.reason) as RefusalReason | undefined;
  return { hook: search === '' ? undefined : search, reason };
}

/** Calls hooks refused, newest first, by hook (the search box) and reason: why a sender's calls fail. */
export const refusedModel: AdminModel = {
  name: 'refused',
  label: 'Refused calls',
  singular: 'refused call',
  permissions: { view: 'hooks.view' },
  columns,
  title: 'received_at',
  async list(query, { services }) {
    const filter = filterOf(query.search, query.filters);
    return keysetListPage(
      services.hooks.listRefusedCalls(filter, query.limit, query.after),
      services.hooks.countRefusedCalls(filter),
      callToRow,
    );
  },
  count: ({ services }) => services.hooks.countRefusedCalls({}),
  async get(id, { services }) {
    return orUndefined(services.hooks.getRefusedCall(id).then(callToRow));
  },
  detailFields: [
    { key: 'hook', label: 'Hook' },
    { key: 'received_at', label: 'Received' },
    { key: 'reason', label: 'Reason' },
    { key: 'sender_ip', label: 'Sender address' },
    { key: 'body_size', label: 'Body bytes' },
  ],
  async detailSections(row) {
    return [
      {
        title: 'What came',
        fields: [
          { label: 'Headers (signatures and credentials redacted)', value: row.headers, pre: true },
          { label: 'Body preview (the first 256 bytes at most)', value: row.preview, pre: true },
        ],
      },
    ];
  },
};
