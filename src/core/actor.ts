import type { FastifyRequest } from 'fastify';
import { requireUser } from './auth.ts';

/**
 * Who asks a service for a change. An API or admin caller holds `holds` (a token: those of its
 * scopes its owner still holds) and may give nobody more than that. The operator (the CLI, the
 * holder of the setup token) runs the server and is the way back in when every admin is locked
 * out, so no rule of the users package binds them.
 */
export type Actor = { kind: 'operator' } | { kind: 'user'; userId: number; holds: ReadonlySet<string> };

export const OPERATOR: Actor = Object.freeze({ kind: 'operator' });

/** The logged-in caller as the services' rules see them: who they are and what they hold now; 401 when anonymous. */
export async function callerActor(request: FastifyRequest): Promise<Actor> {
  const caller = requireUser(request);
  return { kind: 'user', userId: caller.user.id, holds: await caller.permissions() };
}
