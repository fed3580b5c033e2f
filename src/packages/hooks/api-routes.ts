import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { permissionGuard } from '../../core/auth.ts';
import { CALLER_SECURITY, IdParamsSchema, PageQuerySchema, pageOf, problemResponses } from '../../core/schemas.ts';
import {
  DeliveryDetailSchema,
  DeliveryPageSchema,
  DeliveryQuerySchema,
  HookNameParamsSchema,
  HookPageSchema,
} from './schemas.ts';

const security = CALLER_SECURITY;

/** Hooks and their stored deliveries under /api/v1, all read with hooks.view. */
export const apiRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { hooks } = app;
  // Permission is settled before input is read, so callers without it get 401/403, never 400.
  app.addHook('preValidation', permissionGuard('hooks.view'));

  app.get(
    '/hooks',
    {
      schema: {
        tags: ['hooks'],
        security,
        summary: 'Hooks, by name (hooks.view); never their secrets',
        querystring: PageQuerySchema,
        response: { 200: HookPageSchema, ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => hooks.listHooks(pageOf(request.query)),
  );

  app.get(
    '/hooks/:name/deliveries',
    {
      schema: {
        tags: ['hooks'],
        security,
        summary: "A hook's stored deliveries, newest first (hooks.view)",
        params: HookNameParamsSchema,
        querystring: DeliveryQuerySchema,
        response: { 200: DeliveryPageSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => hooks.listDeliveries(request.params.name, pageOf(request.query), request.query.status),
  );

  app.get(
    '/deliveries/:id',
    {
      schema: {
        tags: ['hooks'],
        security,
        summary: 'A stored delivery with its headers and raw body (hooks.view)',
        params: IdParamsSchema,
        response: { 200: DeliveryDetailSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => hooks.getDelivery(request.params.id),
  );
};
