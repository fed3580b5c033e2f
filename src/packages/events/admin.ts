import type { AdminContext, AdminModel, AdminRow, AdminSection } from '../../core/admin.ts';
import { tableModel } from '../../core/admin-list.ts';
import { NewSubscriptionSchema } from './schemas.ts';
import type { MessageStatus } from './table.ts';

const STATUSES: MessageStatus[] = ['pending', 'processing', 'delivered', 'failed'];

/** What the caller may read of message bodies, as the API decides it. */
function holdsOf(context: AdminContext) {
  return context.actor.kind === 'user' ? context.actor.holds : 'all';
}

function subscriptionRows(rows: Record<string, unknown>[]): Promise<AdminRow[]> {
  return Promise.resolve(
    rows.map((row) => ({
      id: Number(row.id),
      url: String(row.url),
      event_types: JSON.parse(String(row.event_types)) as string[],
      enabled: Boolean(row.enabled),
      disabled_reason: row.disabled_reason as string | null,
      failing_since: row.failing_since as string | null,
      description: String(row.description),
      created_at: String(row.created_at),
    })),
  );
}

const subscriptions = tableModel({
  table: 'event_subscriptions',
  name: 'subscriptions',
  label: 'Event subscriptions',
  singular: 'subscription',
  permissions: { view: 'subscriptions.view', add: 'subscriptions.add', delete: 'subscriptions.delete' },
  columns: [
    { key: 'url', label: 'URL', searchable: true },
    { key: 'event_types', label: 'Events' },
    { key: 'enabled', label: 'Enabled' },
    { key: 'description', label: 'Description', searchable: true },
  ],
  detailFields: [
    { key: 'url', label: 'URL' },
    { key: 'event_types', label: 'Events' },
    { key: 'enabled', label: 'Enabled' },
    { key: 'disabled_reason', label: 'Disabled because' },
    { key: 'failing_since', label: 'Failing since' },
    { key: 'description', label: 'Description' },
    { key: 'created_at', label: 'Created' },
  ],
  toRows: subscriptionRows,
  async detailSections(row, context) {
    const latest = await context.services.subscriptions.listMessages(
      row.id,
      { limit: 20, offset: 0 },
      holdsOf(context),
    );
    return [
      {
        title: `Latest messages (${latest.total} in all)`,
        table: {
          columns: ['Message', 'Event', 'Status', 'Attempts', 'Created'],
          rows: latest.items.map((message) => [
            { text: String(message.id), href: `/admin/events/messages/${message.id}` },
            { text: message.event_type },
            { text: message.status },
            { text: String(message.attempts) },
            { text: message.created_at },
          ]),
          empty: 'Nothing sent yet.',
        },
      },
    ];
  },
  create: {
    form: {
      schema: NewSubscriptionSchema,
      fields: {
        event_types: {
          label: 'Events',
          help: 'Types whose data you may see; * for every type.',
          choices: async (context) => [
            { value: '*', label: '* (every type)' },
            ...context.services.subscriptions.eventTypes().map((type) => ({ value: type.name, label: type.name })),
          ],
        },
      },
    },
    async run(values, context) {
      const created = await context.services.subscriptions.create(
        context.actor,
        values as { url: string; event_types: string[]; description?: string },
      );
      return {
        id: created.id,
        message: `Subscription ${created.id} created.`,
        reveal: {
          label: 'Its signing secret',
          value: created.secret,
          note: 'Give it to the receiver now: it is never shown again.',
        },
      };
    },
  },
  async delete(id, context) {
    await context.services.subscriptions.remove(context.actor, id);
    return { message: `Subscription ${id} deleted.` };
  },
  actions: [
    {
      name: 'test',
      label: 'Send a ping',
      permission: 'subscriptions.change',
      confirm: 'Send a ping message to these subscriptions?',
      async run(ids, context) {
        for (const id of ids) await context.services.subscriptions.test(context.actor, id, holdsOf(context));
        return { message: `${ids.length} ping${ids.length === 1 ? '' : 's'} queued.` };
      },
    },
  ],
});

function messageRows(rows: Record<string, unknown>[]): Promise<AdminRow[]> {
  return Promise.resolve(
    rows.map((row) => ({
      id: Number(row.id),
      subscription_id: Number(row.subscription_id),
      event_type: String(row.event_type),
      status: String(row.status),
      attempts: Number(row.attempts),
      created_at: String(row.created_at),
      delivered_at: row.delivered_at as string | null,
      webhook_id: String(row.webhook_id),
      last_error: row.last_error as string | null,
    })),
  );
}

async function messageSections(row: AdminRow, context: AdminContext): Promise<AdminSection[]> {
  const message = await context.services.subscriptions.getMessage(row.id, holdsOf(context));
  return [
    {
      title: 'Attempts',
      table: {
        columns: ['#', 'Started', 'Duration (ms)', 'Status', 'Error'],
        rows: message.attempt_log.map((attempt) => [
          { text: String(attempt.attempt) },
          { text: attempt.started_at },
          { text: String(attempt.duration_ms) },
          { text: attempt.status_code === null ? '-' : String(attempt.status_code) },
          { text: attempt.error ?? '' },
        ]),
        empty: 'Not attempted yet.',
      },
    },
    {
      title: 'Body',
      fields: [
        {
          label: 'Body',
          value: message.body ?? '(you do not hold the permission this event type needs)',
          pre: true,
        },
      ],
    },
  ];
}

const messages = tableModel({
  table: 'event_messages',
  name: 'messages',
  label: 'Event messages',
  singular: 'message',
  permissions: { view: 'subscriptions.view' },
  columns: [
    { key: 'event_type', label: 'Event', searchable: true },
    { key: 'subscription_id', label: 'Subscription' },
    { key: 'status', label: 'Status', filter: STATUSES.map((status) => ({ value: status, label: status })) },
    { key: 'attempts', label: 'Attempts' },
    { key: 'created_at', label: 'Created' },
  ],
  detailFields: [
    { key: 'event_type', label: 'Event' },
    { key: 'subscription_id', label: 'Subscription' },
    { key: 'webhook_id', label: 'webhook-id' },
    { key: 'status', label: 'Status' },
    { key: 'attempts', label: 'Attempts' },
    { key: 'created_at', label: 'Created' },
    { key: 'delivered_at', label: 'Delivered' },
    { key: 'last_error', label: 'Last error' },
  ],
  toRows: messageRows,
  detailSections: messageSections,
  actions: [
    {
      name: 'resend',
      label: 'Resend',
      permission: 'subscriptions.change',
      confirm: 'Send these messages again from their first attempt? Receivers see the same webhook-id.',
      async run(ids, context) {
        for (const id of ids) await context.services.subscriptions.resend(context.actor, id, holdsOf(context));
        return { message: `${ids.length} message${ids.length === 1 ? '' : 's'} queued again.` };
      },
    },
  ],
});

/** Subscriptions (create with the secret shown once, ping, delete) and their messages (resend). */
export const eventsAdmin: readonly AdminModel[] = [subscriptions, messages];
