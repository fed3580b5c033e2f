import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { callerActor } from '../../../core/actor.ts';
import { IdParamsSchema, NoContentSchema, PageQuerySchema, pageOf, problemResponses } from '../../../core/schemas.ts';
import { GroupChangesSchema, GroupPageSchema, GroupSchema, NewGroupSchema } from '../schemas.ts';

const tags = ['groups'];

/** Groups themselves; their members and grants are in api-memberships.ts and api-permissions.ts. */
export const apiGroups: FastifyPluginAsyncTypebox = async (app) => {
  const { users } = app;

  app.get(
    '/groups',
    {
      config: { permission: 'groups.view' },
      schema: {
        tags,
        summary: 'Groups, by name (groups.view)',
        querystring: PageQuerySchema,
        response: { 200: GroupPageSchema, ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => users.listGroups(pageOf(request.query)),
  );

  app.post(
    '/groups',
    {
      config: { permission: 'groups.add' },
      schema: {
        tags,
        summary: 'Create a group (groups.add)',
        body: NewGroupSchema,
        response: { 201: GroupSchema, ...problemResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => reply.code(201).send(await users.createGroup(await callerActor(request), request.body)),
  );

  app.get(
    '/groups/:id',
    {
      config: { permission: 'groups.view' },
      schema: {
        tags,
        summary: 'A group (groups.view)',
        params: IdParamsSchema,
        response: { 200: GroupSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => users.getGroup(request.params.id),
  );

  app.patch(
    '/groups/:id',
    {
      config: { permission: 'groups.change' },
      schema: {
        tags,
        summary: 'Rename a group or change its description (groups.change)',
        description: 'Naming a group admin needs every permission (403); group admin keeps its name (409).',
        params: IdParamsSchema,
        body: GroupChangesSchema,
        response: { 200: GroupSchema, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => users.updateGroup(await callerActor(request), request.params.id, request.body),
  );

  app.delete(
    '/groups/:id',
    {
      config: { permission: 'groups.delete' },
      schema: {
        tags,
        summary: 'Delete a group; its members lose what it granted (groups.delete)',
        description: 'Group admin cannot be deleted (409).',
        params: IdParamsSchema,
        response: { 204: NoContentSchema, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await users.deleteGroup(await callerActor(request), request.params.id);
      return reply.code(204).send(null);
    },
  );
};
