import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { permissionGuard } from '../../../core/auth.ts';
import {
  CALLER_SECURITY,
  IdParamsSchema,
  NoContentSchema,
  PageQuerySchema,
  pageOf,
  problemResponses,
} from '../../../core/schemas.ts';
import { GroupChangesSchema, GroupPageSchema, GroupSchema, NewGroupSchema } from '../schemas.ts';
import { callerActor } from './caller-actor.ts';

const tags = ['groups'];
const security = CALLER_SECURITY;

/** Groups themselves; their members and grants are in api-memberships.ts and api-permissions.ts. */
export const apiGroups: FastifyPluginAsyncTypebox = async (app) => {
  const { users } = app;

  app.get(
    '/groups',
    {
      preValidation: permissionGuard('groups.view'),
      schema: {
        tags,
        security,
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
      preValidation: permissionGuard('groups.add'),
      schema: {
        tags,
        security,
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
      preValidation: permissionGuard('groups.view'),
      schema: {
        tags,
        security,
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
      preValidation: permissionGuard('groups.change'),
      schema: {
        tags,
        security,
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
      preValidation: permissionGuard('groups.delete'),
      schema: {
        tags,
        security,
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
