import type { FastifyInstance } from 'fastify';
import type { UserActor } from '../../core/actor.ts';
import type { DeliveryDetail } from './schemas.ts';

/** What the test console saw: the hook's answer, and the delivery it stored. */
export interface TestOutcome {
  /** The HTTP status the hook answered the sample with. */
  status: number;
  contentType: string;
  /** The hook's answer: `{id, status}`, a problem, or an inline handler's reply (TwiML). */
  body: string;
  /** The stored delivery as it stands once the hook answered: done for an inline handler, else as the worker has it. */
  delivery: DeliveryDetail | undefined;
}

// The console's API token for a `token` hook lives only as long as the call.
const TOKEN_LIFETIME = '5m';

/**
 * Sends a correctly signed sample call to a hook through the app itself (`inject` into its
 * receive route, so rate limit, verification, storage and inline handlers all run as for a real
 * sender) and answers what came of it. A `token` hook is called with a short-lived API token made
 * for the acting user with scope hooks.call, which they must hold (nobody gives more than they hold), and
 * revoked once the call is answered. `host` is the host the admin was reached at, so the URL
 * signed for Twilio is the one the route works out.
 */
export async function sendTestDelivery(
  app: FastifyInstance,
  input: { hook: string; actor: UserActor; host: string },
): Promise<TestOutcome> {
  const { hooks, tokens, config } = app;
  const hook = await hooks.getHook(input.hook);
  const path = `/hooks/${encodeURIComponent(hook.name)}`;
  const url = (config.publicUrl ?? `http://${input.host}`) + path;
  const token =
    hook.verify === 'token'
      ? await tokens.create(input.actor, input.actor.userId, {
          name: 'test console',
          scopes: ['hooks.call'],
          expiresIn: TOKEN_LIFETIME,
        })
      : undefined;
  try {
    const sample = await hooks.sampleCall(hook.name, url, token?.token);
    const host = config.publicUrl ? new URL(config.publicUrl).host : input.host;
    const answer = await app.inject({
      method: 'POST',
      url: path,
      headers: { ...sample.headers, host },
      payload: sample.body,
    });
    const id = await hooks.deliveryIdByExternalId(hook.name, sample.externalId);
    return {
      status: answer.statusCode,
      contentType: String(answer.headers['content-type'] ?? ''),
      body: answer.body,
      delivery: id === undefined ? undefined : await hooks.getDelivery(id),
    };
  } finally {
    if (token) await tokens.revoke(input.actor, token.id);
  }
}
