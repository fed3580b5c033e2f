import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { callerActor } from '../../../core/actor.ts';
import { IdParamsSchema, pageOf, problemResponses } from '../../../core/schemas.ts';
import {
  DeliveryDetailSchema,
  DeliveryPageSchema,
  DeliveryQuerySchema,
  DeliverySchema,
  HookNameParamsSchema,
} from '../schemas.ts';

const tags = ['hooks'];

/** What hooks received: a hook's deliveries, one delivery in full, replaying one. */
export const apiDeliveries: FastifyPluginAsyncTypebox = async (app) => {
  const { hooks } = app;

  app.get(
    '/hooks/:name/deliveries',
    {
      config: { permission: 'hooks.view' },
      schema: {
        tags,
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
      config: { permission: 'hooks.view' },
      schema: {
        tags,
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
      config: { permission: 'hooks.change' },
      schema: {
        tags,
        summary: "Run a delivery's handler again from scratch (hooks.change)",
        description:
          'Pending again with 0 attempts, due now, last error cleared; its attempt log is kept. 409 while it is ' +
          'being processed.',
        params: IdParamsSchema,
        response: { 202: DeliverySchema, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) =>
      reply.code(202).send(await hooks.replayDelivery(await callerActor(request), request.params.id)),
  );
};
