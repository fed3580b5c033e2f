import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { callerActor } from '../../../core/actor.ts';
import { NoContentSchema, PageQuerySchema, pageOf, problemResponses } from '../../../core/schemas.ts';
import type { HookWithSecret } from '../api-objects.ts';
import {
  HookChangesSchema,
  HookNameParamsSchema,
  HookPageSchema,
  HookSchema,
  HookWithSecretSchema,
  NewHookSchema,
  RotatedHookSchema,
  SecretRotationSchema,
} from '../schemas.ts';

const tags = ['hooks'];

/** The hook, and its secret only when one was generated: the one time it is ever shown. */
function withSecret({ hook, generatedSecret }: HookWithSecret) {
  return generatedSecret === undefined ? hook : { ...hook, secret: generatedSecret };
}

// Every field of a rotation is optional, so a bare POST without any body means "generate one,
// default overlap" rather than a 400 about a missing object.
async function noBodyAsEmpty(request: FastifyRequest): Promise<void> {
  request.body ??= {};
}

/** Hooks themselves: list, create, read, change, delete. */
export const apiHooks: FastifyPluginAsyncTypebox = async (app) => {
  const { hooks } = app;

  app.get(
    '/hooks',
    {
      config: { permission: 'hooks.view' },
      schema: {
        tags,
        summary: 'Hooks, by name (hooks.view); never their secrets',
        querystring: PageQuerySchema,
        response: { 200: HookPageSchema, ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => hooks.listHooks(pageOf(request.query)),
  );

  app.post(
    '/hooks',
    {
      config: { permission: 'hooks.add' },
      schema: {
        tags,
        summary: 'Create a hook at POST /hooks/<name> (hooks.add)',
        description: 'A generated secret is in this answer only (`secret`); a given one is never shown back.',
        body: NewHookSchema,
        response: { 201: HookWithSecretSchema, ...problemResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const { path, ...input } = request.body;
      return reply
        .code(201)
        .send(withSecret(await hooks.createHook(await callerActor(request), { ...input, legacyPath: path })));
    },
  );

  app.get(
    '/hooks/:name',
    {
      config: { permission: 'hooks.view' },
      schema: {
        tags,
        summary: 'A hook (hooks.view); never its secrets',
        params: HookNameParamsSchema,
        response: { 200: HookSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => hooks.getHook(request.params.name),
  );

  app.patch(
    '/hooks/:name',
    {
      config: { permission: 'hooks.change' },
      schema: {
        tags,
        summary: "Change a hook's handler, legacy path or verification mode (hooks.change)",
        description:
          'A new verify mode replaces every secret at once with its own (`secret`, or one generated and shown in ' +
          'this answer only). To change the secret alone, rotate it.',
        params: HookNameParamsSchema,
        body: HookChangesSchema,
        response: { 200: HookWithSecretSchema, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const { path, ...changes } = request.body;
      return withSecret(
        await hooks.updateHook(await callerActor(request), request.params.name, {
          ...changes,
          legacyPath: path,
        }),
      );
    },
  );

  app.post(
    '/hooks/:name/rotate-secret',
    {
      config: { permission: 'hooks.change' },
      preValidation: noBodyAsEmpty,
      schema: {
        tags,
        summary: "Rotate a hook's secret; the old one keeps verifying for the overlap (hooks.change)",
        description:
          'The new secret is `secret` as given, or generated and shown in this answer only. The replaced ones ' +
          'verify until `previous_secret_expires_at`: 24 hours unless `overlap` says otherwise (`0s`: at once).',
        params: HookNameParamsSchema,
        body: SecretRotationSchema,
        response: { 200: RotatedHookSchema, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const rotated = await hooks.rotateSecret(await callerActor(request), request.params.name, request.body);
      return { ...withSecret(rotated), previous_secret_expires_at: rotated.previousExpiresAt };
    },
  );

  app.delete(
    '/hooks/:name',
    {
      config: { permission: 'hooks.delete' },
      schema: {
        tags,
        summary: 'Delete a hook and every delivery it holds (hooks.delete)',
        params: HookNameParamsSchema,
        response: { 204: NoContentSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      await hooks.removeHook(await callerActor(request), request.params.name);
      return reply.code(204).send(null);
    },
  );
};
