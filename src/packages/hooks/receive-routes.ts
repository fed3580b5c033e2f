import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from '../../core/http-errors.ts';
import { DeliveryRefusedError, HookRateLimitedError, HookSecretsUnreadableError } from './errors.ts';
import { inlineAnswer } from './inline.ts';
import { createHookRateLimit } from './rate-limit.ts';
import { HookNameParamsSchema } from './schemas.ts';

// What senders post: Standard Webhooks, GitHub and Stripe send JSON, Twilio a form; plain text
// for the simplest senders. Anything else is refused with 415 before the hook is looked up.
const MEDIA_TYPES = ['application/json', 'application/x-www-form-urlencoded', 'text/plain'];

/**
 * The URL the sender called, as it signed it: ENDPOINT_PUBLIC_URL, else what the request says,
 * whose host is one of ENDPOINT_ALLOWED_HOSTS (core/allowed-hosts.ts refused any other), so a
 * call signed for another deployment sharing the auth token cannot be replayed here by naming it.
 */
function publicUrl(request: FastifyRequest, configured: string | undefined): string {
  return (configured ?? `${request.protocol}://${request.host}`) + request.url;
}

interface ReceiveRoute {
  Params: { name: string };
  Body: Buffer | undefined;
}

/**
 * `POST /hooks/:name`, and the same at each hook's legacy path (`/twilio/sms`): reads the raw
 * body, verifies it with the hook's mode and secrets, and answers only once the delivery is
 * committed: 202 for a new one, 200 for a redelivery.
 */
export async function receiveRoutes(app: FastifyInstance): Promise<void> {
  const { config, hooks, deliveryWorker } = app;
  // Verifiers need the exact bytes the sender signed, so no body is parsed here.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(MEDIA_TYPES, { parseAs: 'buffer', bodyLimit: config.bodyLimit }, (_request, body, done) =>
    done(null, body),
  );

  /**
   * Legacy paths are set at runtime (add-hook --path, the API), and routes cannot be added to a
   * running server, so one catch-all POST route asks for the hook at each path. It runs before the
   * body is read: any other path is the app's ordinary 404, whatever its body or content type.
   * The hook's name goes into params, so the one handler serves both routes alike.
   */
  async function atLegacyPath(request: FastifyRequest<ReceiveRoute>, reply: FastifyReply) {
    const hook = await hooks.hookAtPath(request.url.split('?')[0]);
    // Returning the reply makes Fastify wait for the 404 to be sent, then skip the rest.
    if (hook === undefined) return reply.callNotFound();
    request.params = { name: hook.name };
  }

  const rateLimit = createHookRateLimit({ perMinute: config.hookRateLimit, redis: app.redis });
  // Counted before the body is read, so a sender over its allowance costs no parsing or query;
  // its refusal is kept (in memory until the recorder's next flush) without its body.
  async function limited(request: FastifyRequest<ReceiveRoute>): Promise<void> {
    try {
      await rateLimit.consume(request.params.name, request.ip);
    } catch (error) {
      if (error instanceof HookRateLimitedError) {
        hooks.recordRefusal({
          hook: request.params.name,
          reason: 'rate limited',
          senderIp: request.ip,
          headers: request.headers,
        });
      }
      throw error;
    }
  }

  const receive = {
    handler: async (request: FastifyRequest<ReceiveRoute>, reply: FastifyReply) => {
      const contentType = request.headers['content-type'];
      // A body-less call has no content type and reaches no parser; it is refused all the same.
      if (contentType === undefined) throw new HttpError('unsupported_media_type', 'a content type is required');
      try {
        const received = await hooks.receive(request.params.name, {
          body: request.body ?? Buffer.alloc(0),
          headers: request.headers,
          contentType,
          url: publicUrl(request, config.publicUrl),
          senderIp: request.ip,
        });
        const answer = await inlineAnswer(received, deliveryWorker.runClaimed);
        if (answer) return reply.code(200).type(answer.contentType).send(answer.body);
        return reply.code(received.duplicate ? 200 : 202).send({ id: received.id, status: received.status });
      } catch (error) {
        if (error instanceof DeliveryRefusedError) {
          request.log.info({ hook: request.params.name, reason: error.reason }, 'hook call refused');
          hooks.recordRefusal({
            hook: request.params.name,
            reason: error.reason,
            senderIp: request.ip,
            headers: request.headers,
            body: request.body,
          });
        }
        if (error instanceof HookSecretsUnreadableError) {
          request.log.error(
            { hook: request.params.name },
            "the hook's secrets do not open with this ENDPOINT_SECRET_KEY: was the key changed? " +
              'Restore the old key, or give the hook a new secret (rotate-hook-secret --overlap 0s)',
          );
        }
        throw error;
      }
    },
  };

  app.post<ReceiveRoute>('/hooks/:name', {
    ...receive,
    schema: { hide: true, params: HookNameParamsSchema },
    onRequest: limited,
  });
  // Every route of the app is more specific than this one, so it sees only paths nothing else has.
  app.post<ReceiveRoute>('/*', {
    ...receive,
    schema: { hide: true },
    config: { problemJson: true },
    onRequest: [atLegacyPath, limited],
  });
}
