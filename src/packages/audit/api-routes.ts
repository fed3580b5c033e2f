import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { pageOf, problemResponses } from '../../core/schemas.ts';
import { AuditPageSchema, AuditQuerySchema } from './schemas.ts';

/** The audit trail, read only, under /api/v1/audit. */
export const apiRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { audit } = app;

  app.get(
    '/audit',
    {
      config: { permission: 'audit.view' },
      schema: {
        tags: ['audit'],
        summary: 'Who did what, newest first (audit.view)',
        description:
          'Every filter given must match. Page with `limit` and `offset`, or, deep in a long trail, with ' +
          '`before` set to the last id of the previous page.',
        querystring: AuditQuerySchema,
        response: { 200: AuditPageSchema, ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { actor, action, target, since, until, before } = request.query;
      return audit.list({ actor, action, target, since, until, before }, pageOf(request.query));
    },
  );
};
