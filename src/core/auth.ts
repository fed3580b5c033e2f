import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { HttpError } from './http-errors.ts';

/** What every package may know of the caller's account. */
export interface PrincipalUser {
  id: number;
  username: string;
  firstName: string;
  lastName: string;
}

export type Principal =
  | { kind: 'anonymous' }
  | {
      kind: 'user';
      user: PrincipalUser;
      /** How the caller proved who they are. */
      via: 'session' | 'token';
      /** The API token the caller used, when `via` is `token`. */
      tokenId?: number;
      /** Whether the caller holds a permission now; read from the database once per request. */
      can(permission: string): Promise<boolean>;
      /** Every permission the caller holds now (for a token: its scopes the owner still holds). */
      permissions(): Promise<ReadonlySet<string>>;
      /** Names of the user's groups, read once per request. */
      groups(): Promise<string[]>;
    };

export type UserPrincipal = Extract<Principal, { kind: 'user' }>;

export const ANONYMOUS: Principal = Object.freeze({ kind: 'anonymous' });

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal;
  }
}

/**
 * Gives every request `request.principal`, anonymous until an authenticating package
 * (users: session cookie; tokens: bearer) sets it in an onRequest hook.
 */
export const authPlugin = fp(
  async (app: FastifyInstance) => {
    // Fastify wants null for per-request objects; the hook below sets a value on every request.
    app.decorateRequest('principal', null as unknown as { kind: 'anonymous' });
    // Callback hooks, here and in allowed-hosts.ts: an async one costs a promise on every request.
    app.addHook('onRequest', (request, _reply, done) => {
      request.principal = ANONYMOUS;
      done();
    });
  },
  { name: 'core-auth' },
);

/** The logged-in caller; throws 401 for anonymous callers. */
export function requireUser(request: FastifyRequest): UserPrincipal {
  const { principal } = request;
  if (principal.kind !== 'user') throw new HttpError('unauthenticated');
  return principal;
}

/** The caller when they hold `permission`; 401 for anonymous, 403 for the others. */
export async function requirePermission(request: FastifyRequest, permission: string): Promise<UserPrincipal> {
  const principal = requireUser(request);
  if (!(await principal.can(permission))) throw new HttpError('forbidden', `requires permission ${permission}`);
  return principal;
}
