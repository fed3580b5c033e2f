import { tableModel } from '../../core/admin-list.ts';

/** The trail, read only: the admin offers no form or action on it, as the service offers no update. */
export const auditAdmin = tableModel({
  table: 'audit_entries',
  name: 'entries',
  label: 'Audit log',
  singular: 'audit entry',
  permissions: { view: 'audit.view' },
  columns: [
    { key: 'at', label: 'When' },
    { key: 'actor_username', label: 'Actor', searchable: true },
    { key: 'address', label: 'Address' },
    { key: 'action', label: 'Action', searchable: true },
    { key: 'target', label: 'Target', searchable: true },
    { key: 'summary', label: 'Summary' },
  ],
});
