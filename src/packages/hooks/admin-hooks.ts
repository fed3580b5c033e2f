import type { AdminContext, AdminFieldOptions, AdminModel, AdminRow, AdminSection } from '../../core/admin.ts';
import { tableList } from '../../core/admin-list.ts';
import { orUndefined } from './admin-common.ts';
import type { HookChanges } from './hook-admin.ts';
import type { Hook } from './schemas.ts';
import { HookChangesSchema, NewHookSchema } from './schemas.ts';
import { setupSnippet } from './setup-snippet.ts';
import { VERIFY_MODES } from './verify/registry.ts';

const RECENT = 10;

const columns = [
  { key: 'name', label: 'Name', searchable: true, sortable: true },
  { key: 'verify_mode', label: 'Verification', filter: VERIFY_MODES.map((mode) => ({ value: mode, label: mode })) },
  { key: 'handler', label: 'Handler', searchable: true },
  { key: 'legacy_path', label: 'Extra path' },
  { key: 'created_at', label: 'Created' },
];

/** The hook as the admin shows it: never its secrets column. */
function hookToRow(hook: Hook): AdminRow {
  return {
    id: hook.id,
    name: hook.name,
    verify_mode: hook.verify,
    handler: hook.handler,
    legacy_path: hook.legacy_path,
    created_at: hook.created_at,
  };
}

/** The URL senders call: ENDPOINT_PUBLIC_URL, else the scheme and host the admin was reached at. */
export function hookUrl(context: AdminContext, name: string): string {
  const { request } = context;
  const base = request.server.config.publicUrl ?? `${request.protocol}://${request.host}`;
  return `${base}/hooks/${encodeURIComponent(name)}`;
}

const list = tableList({
  table: 'hooks',
  columns,
  // Rows go out without the secrets column the table query reads.
  toRows: async (rows) =>
    rows.map((row) => ({
      id: Number(row.id),
      name: String(row.name),
      verify_mode: String(row.verify_mode),
      handler: String(row.handler),
      legacy_path: (row.legacy_path as string | null) ?? null,
      created_at: String(row.created_at),
    })),
});

/** The create and edit forms' choices: the handlers the packages offer, and the verification modes. */
const handlerField: AdminFieldOptions = {
  widget: 'select',
  choices: async ({ services }) =>
    services.hooks.listHandlers().map(({ name, description }) => ({ value: name, label: `${name}: ${description}` })),
};
const verifyField: AdminFieldOptions = {
  widget: 'select',
  choices: VERIFY_MODES.map((mode) => ({ value: mode, label: mode })),
};

const shownOnce = 'Copy it now and give it to the sender: it is not shown again.';

async function sections(row: AdminRow, context: AdminContext): Promise<AdminSection[]> {
  const { hooks } = context.services;
  const name = String(row.name);
  const q = encodeURIComponent(name);
  const [counts, recent, refused] = await Promise.all([
    hooks.countDeliveries(name),
    hooks.listDeliveriesPage({ hook: name }, RECENT),
    hooks.listRefusedCalls({ hook: name }, RECENT),
  ]);
  const canChange = await context.can('hooks.change');
  return [
    {
      title: 'Setup',
      fields: [
        { label: 'URL', value: hookUrl(context, name), pre: true },
        {
          label: 'For the sender',
          value: setupSnippet(row.verify_mode as Hook['verify'], hookUrl(context, name)),
          pre: true,
        },
      ],
      links: canChange ? [{ label: 'Test console: send a signed sample', href: `/admin/hooks/console/${row.id}` }] : [],
    },
    {
      title: 'Deliveries by status',
      fields: Object.entries(counts).map(([status, count]) => ({ label: status, value: count })),
      links: [
        { label: 'All its deliveries', href: `/admin/hooks/deliveries/?q=${q}` },
        {
          label: 'Its failed deliveries (by time, replay them all)',
          href: `/admin/hooks/search?hook=${q}&status=failed`,
        },
      ],
    },
    {
      title: 'Recent deliveries',
      table: {
        columns: ['Id', 'Received', 'Status', 'Attempts', 'Sender id'],
        rows: recent.items.map((delivery) => [
          { text: String(delivery.id), href: `/admin/hooks/deliveries/${delivery.id}` },
          { text: delivery.received_at },
          { text: delivery.status },
          { text: String(delivery.attempts) },
          { text: delivery.external_id },
        ]),
        empty: 'No deliveries yet.',
      },
    },
    {
      title: 'Recent refused calls',
      table: {
        columns: ['Id', 'Received', 'Reason', 'Address'],
        rows: refused.items.map((call) => [
          { text: String(call.id), href: `/admin/hooks/refused/${call.id}` },
          { text: call.receivedAt },
          { text: call.reason },
          { text: call.senderIp },
        ]),
        empty: 'No refused calls kept.',
      },
      links: [{ label: 'All its refused calls', href: `/admin/hooks/refused/?q=${q}` }],
    },
  ];
}

/** Hooks in the admin: list, create (secret shown once), edit, remove, rotate, setup and recent traffic. */
export const hooksModel: AdminModel = {
  name: 'hooks',
  label: 'Hooks',
  singular: 'hook',
  permissions: { view: 'hooks.view', add: 'hooks.add', change: 'hooks.change', delete: 'hooks.delete' },
  columns,
  title: 'name',
  defaultSort: { key: 'name', direction: 'asc' },
  list: list.list,
  count: list.count,
  async get(id, { services }) {
    return orUndefined(services.hooks.getHookById(id).then(hookToRow));
  },
  detailSections: sections,
  create: {
    form: {
      schema: NewHookSchema,
      fields: {
        handler: handlerField,
        verify: verifyField,
        secret: { help: 'Leave empty to have one generated (not for twilio: its Auth Token; none for token).' },
        path: { label: 'Extra path', help: 'Optional: another path it answers at, such as /twilio/sms.' },
      },
    },
    async run(values, { services, actor }) {
      const { hook, generatedSecret } = await services.hooks.createHook(actor, {
        name: String(values.name),
        handler: String(values.handler),
        verify: String(values.verify),
        secret: values.secret === undefined ? undefined : String(values.secret),
        legacyPath: values.path === undefined ? undefined : String(values.path),
      });
      return {
        id: hook.id,
        message: `Hook ${hook.name} created.`,
        reveal:
          generatedSecret === undefined
            ? undefined
            : { label: 'Signing secret', value: generatedSecret, note: shownOnce },
      };
    },
  },
  update: {
    form: {
      schema: HookChangesSchema,
      fields: {
        handler: handlerField,
        verify: verifyField,
        path: { label: 'Extra path' },
        // The way to give a hook a secret its sender made (Twilio's Auth Token), which a generated
        // rotation cannot: rotated in with the usual overlap, or the new mode's when it changes.
        secret: {
          label: 'New secret',
          widget: 'password',
          help: 'Optional. Rotated in (the old one keeps verifying for 24 hours); with a new verification mode, its secret. For twilio: the new Auth Token.',
        },
      },
      async initial(id, { services }) {
        if (id === undefined) return {};
        const hook = await services.hooks.getHookById(id);
        return { handler: hook.handler, verify: hook.verify, path: hook.legacy_path ?? '' };
      },
    },
    async run(id, values, { services, actor }) {
      const hook = await services.hooks.getHookById(id);
      const changes: HookChanges = {};
      if (values.handler !== undefined) changes.handler = String(values.handler);
      if (values.verify !== undefined) changes.verify = String(values.verify);
      if (values.path !== undefined)
        changes.legacyPath = values.path === '' || values.path === null ? null : String(values.path);
      const secret = values.secret === undefined ? undefined : String(values.secret);
      const newMode = changes.verify !== undefined && changes.verify !== hook.verify;
      if (newMode) changes.secret = secret;
      const { generatedSecret } = await services.hooks.updateHook(actor, hook.name, changes);
      if (secret !== undefined && !newMode) await services.hooks.rotateSecret(actor, hook.name, { secret });
      return {
        message: `Hook ${hook.name} changed${secret !== undefined && !newMode ? '; its new secret is current' : ''}.`,
        reveal:
          generatedSecret === undefined
            ? undefined
            : { label: 'New signing secret (new verification mode)', value: generatedSecret, note: shownOnce },
      };
    },
  },
  async delete(id, { services, actor }) {
    const hook = await services.hooks.getHookById(id);
    await services.hooks.removeHook(actor, hook.name);
    return { message: `Hook ${hook.name} and its deliveries removed.` };
  },
  actions: [
    {
      name: 'rotate',
      label: 'Rotate secret',
      permission: 'hooks.change',
      confirm:
        'Give this hook a new generated secret? The old one keeps verifying for 24 hours, so the sender can switch over.',
      bulk: false,
      async run(ids, { services, actor }) {
        const hook = await services.hooks.getHookById(ids[0]);
        const rotated = await services.hooks.rotateSecret(actor, hook.name, {});
        return {
          message: `Secret of ${hook.name} rotated; the old one verifies until ${rotated.previousExpiresAt ?? 'now'}.`,
          reveal:
            rotated.generatedSecret === undefined
              ? undefined
              : { label: 'New signing secret', value: rotated.generatedSecret, note: shownOnce },
        };
      },
    },
  ],
};
