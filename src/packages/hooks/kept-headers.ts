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

// Credentials and signatures a refused call may carry: whether one came says much about why it
// was refused ("missing header"), its value nothing an administrator needs, so only its presence is kept.
const REDACTED_HEADERS: ReadonlySet<string> = new Set([
  'authorization',
  'cookie',
  'webhook-signature',
  'x-hub-signature',
  'x-hub-signature-256',
  'stripe-signature',
  'x-twilio-signature',
]);

export const REDACTED = '[redacted]';

// Characters of each header of a refused call kept: a forger's 16 kB user-agent would otherwise
// be held in the recorder's buffer and the table a hundred times over.
export const REFUSED_HEADER_CHARS = 256;

/**
 * The kept headers of a refused call, each cut to REFUSED_HEADER_CHARS, and each credential or
 * signature header it carried as `[redacted]`.
 */
export function refusedCallHeaders(headers: RequestHeaders): Record<string, string> {
  const kept = keptHeaders(headers);
  for (const [name, value] of Object.entries(kept)) kept[name] = value.slice(0, REFUSED_HEADER_CHARS);
  for (const name of REDACTED_HEADERS) if (headers[name] !== undefined) kept[name] = REDACTED;
  return kept;
}
