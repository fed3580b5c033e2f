import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { callerActor } from '../../../core/actor.ts';
import { HttpError } from '../../../core/http-errors.ts';
import { IdParamsSchema, NoContentSchema, PageQuerySchema, pageOf, problemResponses } from '../../../core/schemas.ts';
import { CodenamePageSchema, GrantParamsSchema, PermissionPageSchema } from '../schemas.ts';

/** One page of a short list that lives in memory; answers the usual list shape. */
function pageOfList<T>(all: T[], query: { limit?: number; offset?: number }) {
  const { limit, offset } = pageOf(query);
  return { items: all.slice(offset, offset + limit), total: all.length, limit, offset };
}

/** The permissions the packages declare, and which of them each group is granted. */
export const apiPermissions: FastifyPluginAsyncTypebox = async (app) => {
  const { users } = app;
  const declared = [...app.permissions].map(([codename, description]) => ({ codename, description }));

  app.get(
    '/permissions',
    {
      config: { permission: 'caller' },
      schema: {
        tags: ['permissions'],
        summary: 'Every permission the installed packages declare, by codename (any logged-in user)',
        querystring: PageQuerySchema,
        response: { 200: PermissionPageSchema, ...problemResponses(400, 401) },
      },
    },
    async (request) => pageOfList(declared, request.query),
  );

  app.get(
    '/groups/:id/permissions',
    {
      config: { permission: 'groups.view' },
      schema: {
        tags: ['groups'],
        summary: 'The codenames a group is granted (groups.view); group admin holds all, granted or not',
        params: IdParamsSchema,
        querystring: PageQuerySchema,
        response: { 200: CodenamePageSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => pageOfList(await users.groupPermissions(request.params.id), request.query),
  );

  app.put(
    '/groups/:id/permissions/:codename',
    {
      config: { permission: 'groups.change' },
      schema: {
        tags: ['groups'],
        summary: 'Grant a permission to a group; 400 for an undeclared codename (groups.change)',
        description: '403 unless you hold every permission the group would then give.',
        params: GrantParamsSchema,
        response: { 204: NoContentSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      await users.grant(await callerActor(request), request.params.id, request.params.codename);
      return reply.code(204).send(null);
    },
  );

  app.delete(
    '/groups/:id/permissions/:codename',
    {
      config: { permission: 'groups.change' },
      schema: {
        tags: ['groups'],
        summary: "Revoke a group's permission; its members lose it on their next request (groups.change)",
        params: GrantParamsSchema,
        response: { 204: NoContentSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      if (!(await users.revoke(await callerActor(request), request.params.id, request.params.codename))) {
        throw new HttpError('not_found', 'the group does not hold this permission');
      }
      return reply.code(204).send(null);
    },
  );
};
