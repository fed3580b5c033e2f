import { tableModel } from '../../core/admin-list.ts';

/** The link archive, read only: links come from text messages, never from a form. */
export const linkAdmin = tableModel({
  table: 'links',
  label: 'Links',
  singular: 'link',
  permissions: { view: 'links.view' },
  columns: [
    { key: 'url', label: 'URL', searchable: true },
    { key: 'sender', label: 'Sender' },
    { key: 'received_at', label: 'Received' },
  ],
});
