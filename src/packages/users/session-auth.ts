import type { FastifyInstance } from 'fastify';
import type { PrincipalUser, UserPrincipal } from '../../core/auth.ts';
import type { Epoch } from '../../core/epochs.ts';
import type { UsersService } from './service.ts';
import { sessionCookie } from './session-cookie.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Hash of the session this request came with, when it came with a live one. */
    sessionIdHash: string | undefined;
  }
}

/**
 * A logged-in principal whose groups and permissions are read once, when first asked, as of the
 * auth epoch the request read first (from the process's cache while it stays put). A token's
 * scopes narrow what it may do: a permission then needs the scope AND the owner's grant,
 * so a permission taken from the owner stops working on the next request.
 */
export function userPrincipal(
  users: Pick<UsersService, 'accessAt'>,
  user: PrincipalUser,
  epoch: Epoch,
  via: 'session' | 'token',
  token?: { id: number; scopes: ReadonlySet<string> },
): UserPrincipal {
  const scopes = token?.scopes;
  let access: ReturnType<UsersService['accessAt']> | undefined;
  const load = () => {
    access ??= users.accessAt(epoch, user.id);
    return access;
  };
  return {
    kind: 'user',
    user,
    via,
    ...(token && { tokenId: token.id }),
    can: async (permission) => (!scopes || scopes.has(permission)) && (await load()).permissions.has(permission),
    permissions: async () => {
      const held = (await load()).permissions;
      return scopes ? new Set([...scopes].filter((scope) => held.has(scope))) : held;
    },
    groups: async () => [...(await load()).groups],
  };
}

/** Reads the session cookie on every request and sets `request.principal` from it. */
export async function sessionAuth(app: FastifyInstance): Promise<void> {
  app.decorateRequest('sessionIdHash', undefined);
  app.addHook('onRequest', async (request) => {
    const id = sessionCookie(request);
    if (!id) return;
    const session = await app.sessions.resolve(id);
    if (!session) return;
    request.sessionIdHash = session.idHash;
    request.principal = userPrincipal(app.users, session.user, session.epoch, 'session');
  });
}
