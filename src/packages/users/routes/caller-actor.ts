import type { FastifyRequest } from 'fastify';
import { requireUser } from '../../../core/auth.ts';
import type { Actor } from '../authority.ts';

/** The logged-in caller as the service's rules see them: who they are and what they hold now. */
export async function callerActor(request: FastifyRequest): Promise<Actor> {
  const caller = requireUser(request);
  return { kind: 'user', userId: caller.user.id, holds: await caller.permissions() };
}
