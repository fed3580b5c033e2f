import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { callerActor } from '../../../core/actor.ts';
import { HttpError } from '../../../core/http-errors.ts';
import { IdParamsSchema, NoContentSchema, PageQuerySchema, pageOf, problemResponses } from '../../../core/schemas.ts';
import { MemberParamsSchema, UserPageSchema } from '../schemas.ts';

const tags = ['groups'];

/** A group's members: `PUT` adds one (idempotent), `DELETE` removes one. */
export const apiMemberships: FastifyPluginAsyncTypebox = async (app) => {
  const { users } = app;

  app.get(
    '/groups/:id/members',
    {
      config: { permission: 'groups.view' },
      schema: {
        tags,
        summary: "A group's members, by username (groups.view)",
        params: IdParamsSchema,
        querystring: PageQuerySchema,
        response: { 200: UserPageSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => users.listMembers(request.params.id, pageOf(request.query)),
  );

  app.put(
    '/groups/:id/members/:userId',
    {
      config: { permission: 'groups.change' },
      schema: {
        tags,
        summary: 'Add a user to a group; 204 if they already are a member (groups.change)',
        description: '403 unless you hold every permission the group gives and every one the user holds.',
        params: MemberParamsSchema,
        response: { 204: NoContentSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      await users.addMember(await callerActor(request), request.params.id, request.params.userId);
      return reply.code(204).send(null);
    },
  );

  app.delete(
    '/groups/:id/members/:userId',
    {
      config: { permission: 'groups.change' },
      schema: {
        tags,
        summary: 'Remove a user from a group; 404 if they are not a member (groups.change)',
        description:
          '403 unless you hold every permission the user holds; 409 for the last active admin leaving admin.',
        params: MemberParamsSchema,
        response: { 204: NoContentSchema, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      if (!(await users.removeMember(await callerActor(request), request.params.id, request.params.userId))) {
        throw new HttpError('not_found', 'the user is not a member of this group');
      }
      return reply.code(204).send(null);
    },
  );
};
