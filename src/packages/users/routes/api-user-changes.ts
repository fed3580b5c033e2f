import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { callerActor } from '../../../core/actor.ts';
import { requireUser, type UserPrincipal } from '../../../core/auth.ts';
import { HttpError } from '../../../core/http-errors.ts';
import { IdParamsSchema, problemResponses } from '../../../core/schemas.ts';
import { type UserChangesBody, UserChangesSchema, UserSchema } from '../schemas.ts';

/**
 * What the caller may change: their own names, email and password, or, with users.change,
 * anyone's, including `active`. Throws 400 or 403 otherwise.
 */
async function assertMayChange(
  request: FastifyRequest,
  caller: UserPrincipal,
  id: number,
  body: UserChangesBody,
): Promise<void> {
  const self = caller.user.id === id;
  const mayChangeAnyone = await caller.can('users.change');
  if (!self && !mayChangeAnyone) throw new HttpError('forbidden', 'requires permission users.change');
  // A token acts only within its scopes: changing even its owner's own account needs users.change.
  if (caller.via === 'token' && !mayChangeAnyone) throw new HttpError('forbidden', 'a token needs scope users.change');
  if (body.active !== undefined && !mayChangeAnyone) {
    throw new HttpError('forbidden', 'activating or deactivating requires permission users.change');
  }
  // Your own password needs the current one, even with users.change: a session left open on
  // a shared computer must not be enough to take the account over.
  if (self && body.password !== undefined) {
    if (body.current_password === undefined) {
      throw new HttpError('validation_failed', 'current_password is required to change your own password');
    }
    if (!(await request.server.users.checkCurrentPassword(id, body.current_password, request.ip))) {
      throw new HttpError('wrong_password');
    }
  }
}

export const apiUserChanges: FastifyPluginAsyncTypebox = async (app) => {
  const { users } = app;

  app.patch(
    '/users/:id',
    {
      config: { permission: 'caller' },
      schema: {
        tags: ['users'],
        summary: 'Change a user: yourself, or anyone with users.change',
        description:
          "A new password ends the user's other sessions (the one making the change stays); deactivating ends them all. " +
          'Changing another user needs every permission they hold (403); the last active admin stays active (409).',
        params: IdParamsSchema,
        body: UserChangesSchema,
        response: { 200: UserSchema, ...problemResponses(400, 401, 403, 404, 409, 429) },
      },
    },
    async (request) => {
      const caller = requireUser(request);
      const { id } = request.params;
      await assertMayChange(request, caller, id, request.body);
      const { current_password: _, ...changes } = request.body;
      return users.updateUser(await callerActor(request), id, changes, { keepSessionHash: request.sessionIdHash });
    },
  );
};
