import { sign as signGithub } from '@octokit/webhooks-methods';
import type { FastifyInstance } from 'fastify';
import { Webhook } from 'standardwebhooks';
import Stripe from 'stripe';
import twilio from 'twilio';
import type { Db } from '../../src/core/db.ts';
import { OPERATOR } from './users.ts';

/** Creates a hook through the service (what the CLI calls) and returns its secret. */
export async function addHook(
  app: FastifyInstance,
  name: string,
  verify: string,
  secret?: string,
): Promise<{ id: number; secret: string }> {
  const { hook, generatedSecret } = await app.hooks.createHook(OPERATOR, { name, handler: 'inbox', verify, secret });
  const kept = generatedSecret ?? secret;
  if (kept === undefined) throw new Error('a hook without a secret');
  return { id: hook.id, secret: kept };
}

/** Every stored delivery of a hook, oldest first. */
export function storedDeliveries(db: Db, hookId: number) {
  return db.selectFrom('hook_deliveries').selectAll().where('hook_id', '=', hookId).orderBy('id').execute();
}

/** POSTs raw bytes to a hook with the given headers. */
export function postHook(
  baseUrl: string,
  path: string,
  body: string | Uint8Array,
  headers: Record<string, string>,
): Promise<Response> {
  return fetch(baseUrl + path, { method: 'POST', body, headers });
}

const stripe = new Stripe('sk_test_unused');

/**
 * Headers of a JSON delivery signed by the sender's own library: Standard Webhooks (`id` is the
 * webhook-id), GitHub (`id` is X-GitHub-Delivery) or Stripe (whose id is the event's, in the body).
 */
export async function signedHeaders(
  mode: 'standard' | 'github' | 'stripe',
  secret: string,
  id: string,
  payload: string,
  sentAt = new Date(),
): Promise<Record<string, string>> {
  const seconds = Math.floor(sentAt.getTime() / 1000);
  switch (mode) {
    case 'standard':
      return {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(seconds),
        'webhook-signature': new Webhook(secret).sign(id, sentAt, payload),
      };
    case 'github':
      return {
        'content-type': 'application/json',
        'x-hub-signature-256': await signGithub(secret, payload),
        'x-github-delivery': id,
        'x-github-event': 'ping',
      };
    case 'stripe':
      return {
        'content-type': 'application/json',
        'stripe-signature': stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp: seconds }),
      };
  }
}

/** Headers of a Twilio form post to `url`, signed by the twilio library with the auth token. */
export function twilioHeaders(authToken: string, url: string, params: Record<string, string>): Record<string, string> {
  return {
    'content-type': 'application/x-www-form-urlencoded',
    'x-twilio-signature': twilio.getExpectedTwilioSignature(authToken, url, params),
  };
}
