import type { AdminModel } from '../../core/admin.ts';
import { tableList } from '../../core/admin-list.ts';

const columns = [
  { key: 'url', label: 'URL', searchable: true },
  { key: 'sender', label: 'Sender' },
  { key: 'received_at', label: 'Received' },
];

const links = tableList({ table: 'links', columns });

/** The link archive, read only: links come from text messages, never from a form. */
export const linkAdmin: AdminModel = {
  name: 'links',
  label: 'Links',
  singular: 'link',
  permissions: { view: 'links.view' },
  columns,
  list: links.list,
  count: links.count,
  async get(id, context) {
    const row = await context.db.selectFrom('links').selectAll().where('id', '=', id).executeTakeFirst();
    return row && { id: row.id, url: row.url, sender: row.sender, received_at: row.received_at };
  },
};
