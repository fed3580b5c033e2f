import type { AdminContext, AdminModel, AdminRow } from '../../core/admin.ts';
import { tableList } from '../../core/admin-list.ts';
import { HttpError } from '../../core/http-errors.ts';
import { NewTokenSchema } from './schemas.ts';

const columns = [
  { key: 'name', label: 'Name', searchable: true },
  { key: 'username', label: 'Owner' },
  { key: 'prefix', label: 'Prefix' },
  { key: 'scopes', label: 'Scopes' },
  { key: 'expires_at', label: 'Expires' },
  { key: 'last_used_at', label: 'Last used' },
];

/** Tokens as the admin shows them: never the hash, the owner's name read for the whole page at once. */
async function toRows(rows: Record<string, unknown>[], context: AdminContext): Promise<AdminRow[]> {
  const ownerIds = [...new Set(rows.map((row) => Number(row.user_id)))];
  const owners =
    ownerIds.length === 0
      ? []
      : await context.db.selectFrom('users').select(['id', 'username']).where('id', 'in', ownerIds).execute();
  const names = new Map(owners.map((owner) => [owner.id, owner.username]));
  return rows.map((row) => ({
    id: Number(row.id),
    name: String(row.name),
    username: names.get(Number(row.user_id)) ?? '',
    prefix: `${row.prefix}…`,
    scopes: JSON.parse(String(row.scopes)) as string[],
    created_at: row.created_at as string,
    expires_at: (row.expires_at as string | null) ?? 'never',
    last_used_at: row.last_used_at as string | null,
  }));
}

const tokens = tableList({
  table: 'api_tokens',
  columns,
  where: (query) => query.where('revoked_at', 'is', null),
  toRows,
});

async function revoke(ids: number[], context: AdminContext) {
  for (const id of ids) await context.services.tokens.revoke(id);
  return { message: `${ids.length} token${ids.length === 1 ? '' : 's'} revoked.` };
}

/**
 * Tokens not revoked. As on the API, anyone in the admin makes tokens for themselves only, with
 * scopes they hold; the new token appears once, on the answer to the form.
 */
export const tokenAdmin: AdminModel = {
  name: 'tokens',
  label: 'API tokens',
  singular: 'token',
  permissions: { view: 'tokens.view', add: 'admin.access' },
  columns,
  list: tokens.list,
  count: tokens.count,
  async get(id, context) {
    const [row] = await toRows(
      await context.db
        .selectFrom('api_tokens')
        .selectAll()
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .execute(),
      context,
    );
    return row;
  },
  detailFields: [...columns, { key: 'created_at', label: 'Created' }],
  create: {
    form: {
      schema: NewTokenSchema,
      fields: {
        scopes: {
          help: 'What the token may do: permissions you hold.',
          choices: async (context) => {
            const user = context.actor.kind === 'user' ? context.actor : undefined;
            return [...(user?.holds ?? [])].sort().map((codename) => ({ value: codename, label: codename }));
          },
        },
        expires_in: { label: 'Expires in', help: 'Such as 30m, 12h or 90d; empty for never.' },
      },
    },
    async run(values, context) {
      if (context.actor.kind !== 'user') throw new HttpError('forbidden');
      const {
        name,
        scopes = [],
        expires_in: expiresIn,
      } = values as { name: string; scopes?: string[]; expires_in?: string };
      const token = await context.services.tokens.create(context.actor.userId, { name, scopes, expiresIn });
      return {
        id: token.id,
        message: `Token ${token.name} created for you.`,
        reveal: { label: 'Your new token', value: token.token, note: 'Copy it now: it is never shown again.' },
      };
    },
  },
  actions: [
    {
      name: 'revoke',
      label: 'Revoke',
      permission: 'tokens.delete',
      confirm: 'Revoke these tokens? Programs using them are refused from their next request.',
      run: revoke,
    },
  ],
};
