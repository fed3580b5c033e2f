import type { FastifyRequest } from 'fastify';
import { requireUser } from './auth.ts';

/**
 * Who asks a service for a change, as its rules and the audit trail see them. A user acts with what
 * they hold (`holds`: a token's scopes its owner still holds) and may give nobody more than that.
 * The operator (the CLI, the holder of the setup token) runs the server and is the way back in when
 * every admin is locked out, so no rule binds them; `from` says which door they came through.
 * `address` is the caller's source address, `tokenId` the API token a user called with.
 */
export type Actor =
  | { kind: 'operator'; from: 'cli' | 'setup'; address?: string }
  | {
      kind: 'user';
      userId: number;
      username: string;
      tokenId?: number;
      address?: string;
      holds: ReadonlySet<string>;
    };

/** A logged-in user acting, as every request's caller is. */
export type UserActor = Extract<Actor, { kind: 'user' }>;

/** The CLI's actor. */
export const OPERATOR: Actor = Object.freeze({ kind: 'operator', from: 'cli' });

/**
 * Who the audit trail names: an actor, a user who just proved who they are (a login, a logout),
 * nobody known (a failed login), or the server itself acting on a rule (an event subscription
 * disabled after failing for days). Every `Actor` is one.
 */
export type TrailActor =
  | { kind: 'operator'; from: 'cli' | 'setup'; address?: string }
  | { kind: 'user'; userId: number; username: string; tokenId?: number; address?: string }
  | { kind: 'anonymous'; address?: string }
  | { kind: 'system'; address?: undefined };

/** The server acting on its own rules, as the audit trail names it. */
export const SYSTEM: TrailActor = Object.freeze({ kind: 'system' });

/**
 * The logged-in caller as the services' rules and the audit trail see them: who they are, the
 * token they called with, where from, and what they hold now; 401 when anonymous. In core so that
 * every package (the admin's views among them) builds it alike.
 */
export async function callerActor(request: FastifyRequest): Promise<UserActor> {
  const caller = requireUser(request);
  return {
    kind: 'user',
    userId: caller.user.id,
    username: caller.user.username,
    ...(caller.tokenId !== undefined && { tokenId: caller.tokenId }),
    address: request.ip,
    holds: await caller.permissions(),
  };
}
