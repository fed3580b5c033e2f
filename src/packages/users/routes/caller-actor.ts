import type { FastifyRequest } from 'fastify';
import type { Actor } from '../../../core/actor.ts';
import { requireUser } from '../../../core/auth.ts';

/**
 * The logged-in caller as the service's rules and the audit trail see them: who they are, the
 * token they called with, where from, and what they hold now.
 */
export async function callerActor(request: FastifyRequest): Promise<Actor> {
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
