import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { permissionGuard } from '../../../core/auth.ts';
import { CALLER_SECURITY, IdParamsSchema, pageOf, problemResponses } from '../../../core/schemas.ts';
import {
  DeliveryDetailSchema,
  DeliveryPageSchema,
  DeliveryQuerySchema,
  DeliverySchema,
  HookNameParamsSchema,
} from '../schemas.ts';

const tags = ['hooks'];
const security = CALLER_SECURITY;

/** What hooks received: a hook's deliveries, one delivery in full, replaying one. */
export const apiDeliveries: FastifyPluginAsyncTypebox = async (app) => {
  const { hooks } = app;

  app.get(
    '/hooks/:name/deliveries',
    {
      preValidation: permissionGuard('hooks.view'),
      schema: {
        tags,
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
      preValidation: permissionGuard('hooks.view'),
      schema: {
        tags,
        security,
        summary: 'A stored delivery with its headers and raw body (hooks.view)',
        params: IdParamsSchema,
        response: { 200: DeliveryDetailSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => hooks.getDelivery(request.params.id),
  );

  app.post(
    '/deliveries/:id/replay',
    {
      preValidation: permissionGuard('hooks.change'),
      schema: {
        tags,
        security,
        summary: "Run a delivery's handler again from scratch (hooks.change)",
        description:
          'Pending again with 0 attempts, due now, last error cleared; its attempt log is kept. 409 while it is ' +
          'being processed.',
        params: IdParamsSchema,
        response: { 202: DeliverySchema, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => reply.code(202).send(await hooks.replayDelivery(request.params.id)),
  );
};
