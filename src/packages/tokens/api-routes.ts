import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { callerActor } from '../../core/actor.ts';
import { requireUser } from '../../core/auth.ts';
import { HttpError } from '../../core/http-errors.ts';
import { IdParamsSchema, NoContentSchema, pageOf, problemResponses } from '../../core/schemas.ts';
import { CreatedTokenSchema, NewTokenSchema, TokenPageSchema, TokenQuerySchema } from './schemas.ts';

const tags = ['tokens'];

/** Creating, listing and revoking API tokens under /api/v1/tokens. */
export const apiRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { tokens } = app;

  app.post(
    '/tokens',
    {
      config: { permission: 'caller' },
      // After the scope's login check and still before the body is read, so tokens trying to make
      // tokens get 403 rather than a 400 about their body.
      preValidation: async (request) => {
        // A leaked token must not be able to mint more: making one takes a logged-in session.
        if (requireUser(request).via === 'token') {
          throw new HttpError('forbidden', 'a token cannot create tokens; log in to create one');
        }
      },
      schema: {
        tags,
        security: [{ session: [] }],
        summary: 'Create a token for yourself; the answer holds the token, shown this once',
        description: 'Each scope must be a permission you hold; the token can never do more than you can.',
        body: NewTokenSchema,
        response: { 201: CreatedTokenSchema, ...problemResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const { user } = requireUser(request);
      const { name, scopes, expires_in: expiresIn } = request.body;
      const actor = await callerActor(request);
      return reply.code(201).send(await tokens.create(actor, user.id, { name, scopes: scopes ?? [], expiresIn }));
    },
  );

  app.get(
    '/tokens',
    {
      config: { permission: 'caller' },
      schema: {
        tags,
        summary: "Your tokens, newest first; everyone's with tokens.view",
        description: 'Revoked tokens are not listed. Neither the token nor its hash is ever shown.',
        querystring: TokenQuerySchema,
        response: { 200: TokenPageSchema, ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const caller = requireUser(request);
      const { user_id: userId } = request.query;
      const everyone = await caller.can('tokens.view');
      if (!everyone && userId !== undefined && userId !== caller.user.id) {
        throw new HttpError('forbidden', 'requires permission tokens.view');
      }
      return tokens.list({ userId: everyone ? userId : caller.user.id }, pageOf(request.query));
    },
  );

  app.delete(
    '/tokens/:id',
    {
      config: { permission: 'caller' },
      schema: {
        tags,
        summary: "Revoke a token: yours, or anyone's with tokens.delete",
        description: "It stops working on its next request. Another user's token is a 404 without tokens.delete.",
        params: IdParamsSchema,
        response: { 204: NoContentSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const caller = requireUser(request);
      const anyone = await caller.can('tokens.delete');
      await tokens.revoke(await callerActor(request), request.params.id, anyone ? {} : { ownerId: caller.user.id });
      return reply.code(204).send(null);
    },
  );
};
