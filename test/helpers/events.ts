import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { Webhook } from 'standardwebhooks';
import type { Client } from './http.ts';
import type { Received } from './receiver.ts';
import { startTestServer } from './server.ts';
import { adminNobodyAnonymous } from './users.ts';

/** The test server's settings: receivers on loopback are allowed, retries come at once. */
export const EVENTS_ENV = {
  ENDPOINT_EVENTS_ALLOWED_NETWORKS: '127.0.0.0/8',
  ENDPOINT_EVENTS_RETRY_SCHEDULE: '0s,0s,0s',
};

/** A server with events allowed to loopback, and its admin, nobody and anonymous clients. */
export async function eventsServer(t: Pick<TestContext, 'after'>, env: Record<string, string> = {}) {
  const server = await startTestServer(t, { env: { ...EVENTS_ENV, ...env } });
  return { server, ...(await adminNobodyAnonymous(server)) };
}

/** Subscribes `url` through the API as `client`; answers the subscription with its secret. */
export async function subscribe(
  client: Client,
  url: string,
  eventTypes: string[],
): Promise<{ id: number; secret: string; [key: string]: unknown }> {
  const response = await client.post('/api/v1/subscriptions', { url, event_types: eventTypes });
  const text = await response.text();
  assert.equal(response.status, 201, text);
  return JSON.parse(text);
}

/** The message a receiver got, verified with `secret` by the Standard Webhooks library. */
export function verified(request: Received, secret: string): { type: string; timestamp: string; data: any } {
  const headers = {
    'webhook-id': String(request.headers['webhook-id']),
    'webhook-timestamp': String(request.headers['webhook-timestamp']),
    'webhook-signature': String(request.headers['webhook-signature']),
  };
  return new Webhook(secret).verify(request.body, headers) as { type: string; timestamp: string; data: any };
}
