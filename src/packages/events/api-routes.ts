import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { callerActor } from '../../core/actor.ts';
import { IdParamsSchema, NoContentSchema, PageQuerySchema, pageOf, problemResponses } from '../../core/schemas.ts';
import {
  EventTypeListSchema,
  MessagePageSchema,
  MessageSchema,
  NewSubscriptionSchema,
  RotatedSubscriptionSchema,
  SecretRotationSchema,
  SubscriptionChangesSchema,
  SubscriptionPageSchema,
  SubscriptionSchema,
  SubscriptionWithSecretSchema,
} from './schemas.ts';

const tags = ['events'];

// Every field of a rotation is optional: a bare POST means "default overlap", not a 400.
async function noBodyAsEmpty(request: FastifyRequest): Promise<void> {
  request.body ??= {};
}

/** What the caller holds: a message's body is shown only to holders of its type's permission. */
async function reader(request: FastifyRequest) {
  return (await callerActor(request)).holds;
}

/**
 * Subscriptions under /api/v1/subscriptions, their messages, and the event types. Each route
 * declares its permission; subscribing also needs the permission of every type subscribed to.
 */
export const apiRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { subscriptions } = app;

  app.get(
    '/event-types',
    {
      config: { permission: 'caller' },
      schema: {
        tags,
        summary: 'Every event type, with the permission subscribing to it takes',
        description: 'Each type\'s message `{"type","timestamp","data"}` is in components.schemas as `event.<type>`.',
        response: { 200: EventTypeListSchema, ...problemResponses(401) },
      },
    },
    async () => ({ items: subscriptions.eventTypes() }),
  );

  app.get(
    '/subscriptions',
    {
      config: { permission: 'subscriptions.view' },
      schema: {
        tags,
        summary: 'Subscriptions, newest first (subscriptions.view); never their secrets',
        querystring: PageQuerySchema,
        response: { 200: SubscriptionPageSchema, ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => subscriptions.list(pageOf(request.query)),
  );

  app.post(
    '/subscriptions',
    {
      config: { permission: 'subscriptions.add' },
      schema: {
        tags,
        summary: 'Subscribe a URL to events (subscriptions.add); the answer holds its secret, shown this once',
        description:
          'Each type needs the permission that lets you see its data (`*` needs them all). The URL must be https and resolve to public addresses.',
        body: NewSubscriptionSchema,
        response: { 201: SubscriptionWithSecretSchema, ...problemResponses(400, 401, 403) },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await subscriptions.create(await callerActor(request), request.body)),
  );

  app.get(
    '/subscriptions/:id',
    {
      config: { permission: 'subscriptions.view' },
      schema: {
        tags,
        summary: 'One subscription (subscriptions.view)',
        params: IdParamsSchema,
        response: { 200: SubscriptionSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => subscriptions.get(request.params.id),
  );

  app.patch(
    '/subscriptions/:id',
    {
      config: { permission: 'subscriptions.change' },
      schema: {
        tags,
        summary: 'Change a subscription: URL, types, description, enabled (subscriptions.change)',
        description: "A new URL or new types need the types' permissions, as at creation.",
        params: IdParamsSchema,
        body: SubscriptionChangesSchema,
        response: { 200: SubscriptionSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => subscriptions.update(await callerActor(request), request.params.id, request.body),
  );

  app.delete(
    '/subscriptions/:id',
    {
      config: { permission: 'subscriptions.delete' },
      schema: {
        tags,
        summary: 'Delete a subscription and its messages (subscriptions.delete)',
        params: IdParamsSchema,
        response: { 204: NoContentSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      await subscriptions.remove(await callerActor(request), request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/subscriptions/:id/rotate-secret',
    {
      config: { permission: 'subscriptions.change' },
      preValidation: noBodyAsEmpty,
      schema: {
        tags,
        summary: 'A new secret, shown this once; the old one signs beside it for the overlap (subscriptions.change)',
        params: IdParamsSchema,
        body: SecretRotationSchema,
        response: { 200: RotatedSubscriptionSchema, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => subscriptions.rotateSecret(await callerActor(request), request.params.id, request.body),
  );

  app.post(
    '/subscriptions/:id/test',
    {
      config: { permission: 'subscriptions.change' },
      schema: {
        tags,
        summary: 'Send a ping to the subscription (subscriptions.change); answers the message',
        params: IdParamsSchema,
        response: { 202: MessageSchema, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const actor = await callerActor(request);
      return reply.code(202).send(await subscriptions.test(actor, request.params.id, actor.holds));
    },
  );

  app.get(
    '/subscriptions/:id/messages',
    {
      config: { permission: 'subscriptions.view' },
      schema: {
        tags,
        summary: 'What was sent to a subscription, newest first, with every attempt (subscriptions.view)',
        description: "A message's `body` is null unless you hold the permission its event type needs.",
        params: IdParamsSchema,
        querystring: PageQuerySchema,
        response: { 200: MessagePageSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => subscriptions.listMessages(request.params.id, pageOf(request.query), await reader(request)),
  );

  app.get(
    '/messages/:id',
    {
      config: { permission: 'subscriptions.view' },
      schema: {
        tags,
        summary: 'One message with its attempts (subscriptions.view)',
        params: IdParamsSchema,
        response: { 200: MessageSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => subscriptions.getMessage(request.params.id, await reader(request)),
  );

  app.post(
    '/messages/:id/resend',
    {
      config: { permission: 'subscriptions.change' },
      schema: {
        tags,
        summary: 'Send a message again from its first attempt, same webhook-id (subscriptions.change)',
        params: IdParamsSchema,
        response: { 202: MessageSchema, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const actor = await callerActor(request);
      return reply.code(202).send(await subscriptions.resend(actor, request.params.id, actor.holds));
    },
  );
};
