import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { requireUser } from '../../../core/auth.ts';
import { NoContentSchema, problemResponses } from '../../../core/schemas.ts';
import { serializedOnce } from '../../../core/serialized-once.ts';
import { CredentialsSchema, UserSchema } from '../schemas.ts';
import { logIn, logOut } from '../session-cookie.ts';

const tags = ['auth'];

/** Session login, logout and "who am I" for programs and single-page clients. */
export const apiAuth: FastifyPluginAsyncTypebox = async (app) => {
  const { users } = app;
  const sendUser = serializedOnce();

  app.post(
    '/users/authenticate',
    {
      config: { public: true },
      schema: {
        tags,
        summary: 'Log in: answers the user and sets the session cookie',
        body: CredentialsSchema,
        // 401 is the same whether the user is missing, inactive or the password is wrong.
        response: { 200: UserSchema, ...problemResponses(400, 401, 403, 429) },
      },
    },
    async (request, reply) => logIn(request, reply, request.body.username, request.body.password),
  );

  app.post(
    '/users/logout',
    {
      config: { public: true },
      schema: {
        tags,
        summary: 'End the session on the server; 204 even without one',
        response: { 204: NoContentSchema, ...problemResponses(400, 403) },
      },
    },
    async (request, reply) => {
      await logOut(request, reply);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/users/authenticated_user',
    {
      config: { permission: 'caller' },
      schema: {
        tags,
        summary: 'The caller',
        response: { 200: UserSchema, ...problemResponses(401) },
      },
    },
    async (request, reply) => sendUser(reply, await users.getUser(requireUser(request).user.id)),
  );
};
