import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { callerActor } from '../../../core/actor.ts';
import { requirePermission, requireUser } from '../../../core/auth.ts';
import { IdParamsSchema, NoContentSchema, PageQuerySchema, pageOf, problemResponses } from '../../../core/schemas.ts';
import { serializedOnce } from '../../../core/serialized-once.ts';
import { NewUserSchema, UserPageSchema, UserSchema } from '../schemas.ts';

const tags = ['users'];

/** Listing, creating, reading and deleting users; changes are in api-user-changes.ts. */
export const apiUsers: FastifyPluginAsyncTypebox = async (app) => {
  const { users } = app;
  const sendPage = serializedOnce();
  const sendUser = serializedOnce();

  // DESIGN names the collection `/api/v1/users/`; the router answers `/users` too (app.ts).
  app.get(
    '/users/',
    {
      config: { permission: 'users.view' },
      schema: {
        tags,
        summary: 'Users, newest first (users.view)',
        querystring: PageQuerySchema,
        response: { 200: UserPageSchema, ...problemResponses(400, 401, 403) },
      },
    },
    async (request, reply) => sendPage(reply, await users.listUsers(pageOf(request.query))),
  );

  app.post(
    '/users/',
    {
      config: { permission: 'users.add' },
      schema: {
        tags,
        summary: 'Create a user (users.add)',
        body: NewUserSchema,
        response: { 201: UserSchema, ...problemResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => reply.code(201).send(await users.createUser(await callerActor(request), request.body)),
  );

  app.get(
    '/users/:id',
    {
      config: { permission: 'caller' },
      schema: {
        tags,
        summary: 'A user: yourself, or anyone with users.view',
        params: IdParamsSchema,
        response: { 200: UserSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const caller = requireUser(request);
      const { id } = request.params;
      if (caller.user.id !== id) await requirePermission(request, 'users.view');
      return sendUser(reply, await users.getUser(id));
    },
  );

  app.delete(
    '/users/:id',
    {
      config: { permission: 'users.delete' },
      schema: {
        tags,
        summary: 'Delete a user (users.delete); not yourself',
        description: '403 unless you hold every permission the user holds; 409 for the last active admin.',
        params: IdParamsSchema,
        response: { 204: NoContentSchema, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await users.deleteUser(await callerActor(request), request.params.id);
      return reply.code(204).send(null);
    },
  );
};
