import type { RequestHeaders } from './verify/common.ts';

// The headers kept with a delivery: what the body is, who sent it and the senders' own ids. Only
// these: a credential or signature under a name not foreseen (x-shopify-hmac-sha256) is never
// stored, and a stored signature next to its body would be a ready-made replay.
const KEPT_HEADERS: ReadonlySet<string> = new Set([
  'content-type',
  'user-agent',
  'idempotency-key',
  'x-request-id',
  // Standard Webhooks
  'webhook-id',
  'webhook-timestamp',
  // GitHub
  'x-github-event',
  'x-github-delivery',
  'x-github-hook-id',
  'x-github-hook-installation-target-id',
  'x-github-hook-installation-target-type',
  // Twilio: an id of the event, the same on each retry of it, despite its name no credential
  'i-twilio-idempotency-token',
]);

/** The allowed headers of a call, each as one string (repeats joined as Node joins them). */
export function keptHeaders(headers: RequestHeaders): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || !KEPT_HEADERS.has(name)) continue;
    kept[name] = typeof value === 'string' ? value : value.join(', ');
  }
  return kept;
}
