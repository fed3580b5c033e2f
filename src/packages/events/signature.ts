import { createHmac } from 'node:crypto';
import { standardSecretKey } from '../hooks/index.ts';

/**
 * The Standard Webhooks headers of one attempt: `webhook-id` (the message's, the same on every
 * attempt), `webhook-timestamp` (this attempt's, in seconds) and `webhook-signature`, one
 * `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` per secret, space-separated: during a
 * rotation's overlap the new secret and the old both sign, so a receiver holding either verifies.
 */
export function signedHeaders(
  webhookId: string,
  body: string,
  secrets: readonly string[],
  at: Date,
): Record<string, string> {
  const timestamp = String(Math.floor(at.getTime() / 1000));
  const signatures = secrets.map((secret) => {
    const key = standardSecretKey(secret);
    if (key === undefined) throw new Error('a subscription secret is not a whsec_ secret');
    const digest = createHmac('sha256', key).update(`${webhookId}.${timestamp}.${body}`).digest('base64');
    return `v1,${digest}`;
  });
  return { 'webhook-id': webhookId, 'webhook-timestamp': timestamp, 'webhook-signature': signatures.join(' ') };
}
