import { createHmac, randomBytes } from 'node:crypto';
import {
  decodeHex,
  digestsEqual,
  headerValue,
  MISSING_HEADER,
  parseUnixSeconds,
  type RequestHeaders,
  SIGNATURE_INVALID,
  TIMESTAMP_OUT_OF_RANGE,
  type VerifyResult,
  withinTolerance,
} from './common.ts';
import { MIN_TEXT_SECRET_LENGTH, type VerifyScheme } from './scheme.ts';

const TOLERANCE_SECONDS = 300;
const SECRET_PREFIX = 'whsec_';

export interface StripeInput {
  body: Buffer;
  headers: RequestHeaders;
  /**
   * Every secret currently accepted. Stripe's `whsec_...` secret is the HMAC key as it stands,
   * text and prefix included; unlike Standard Webhooks it is not base64-decoded.
   */
  secrets: readonly string[];
  now: Date;
}

/**
 * Verifies a Stripe delivery: `Stripe-Signature: t=<seconds>,v1=<hex>[,v1=<hex>...]`, each v1
 * an HMAC-SHA256 of `${t}.${body}`. Never throws.
 */
export function verifyStripe({ body, headers, secrets, now }: StripeInput): VerifyResult {
  const header = headerValue(headers, 'stripe-signature');
  if (header === undefined) return MISSING_HEADER;
  const { timestamp, signatures } = parseStripeHeader(header);
  const sentAt = timestamp === undefined ? undefined : parseUnixSeconds(timestamp);
  if (sentAt === undefined || signatures.length === 0) return SIGNATURE_INVALID;

  const signed = Buffer.from(`${timestamp}.`);
  const matches = secrets.some((secret) => {
    if (secret === '') return false;
    const expected = createHmac('sha256', secret).update(signed).update(body).digest();
    return signatures.some((signature) => digestsEqual(expected, signature));
  });
  if (!matches) return SIGNATURE_INVALID;
  // Stripe's own library refuses only old timestamps; one from the future is refused here too.
  if (!withinTolerance(sentAt, now, TOLERANCE_SECONDS)) return TIMESTAMP_OUT_OF_RANGE;
  return { ok: true, deliveryId: eventId(body), timestamp: sentAt };
}

// Comma-separated `key=value` items; the last `t` wins as in Stripe's library, v0 (test-mode
// only) and unknown schemes are ignored, undecodable v1 values are skipped.
function parseStripeHeader(header: string): { timestamp: string | undefined; signatures: Buffer[] } {
  let timestamp: string | undefined;
  const signatures: Buffer[] = [];
  for (const item of header.split(',')) {
    const separator = item.indexOf('=');
    if (separator === -1) continue;
    const key = item.slice(0, separator);
    const value = item.slice(separator + 1);
    if (key === 't') timestamp = value;
    const bytes = key === 'v1' ? decodeHex(value) : undefined;
    if (bytes !== undefined) signatures.push(bytes);
  }
  return { timestamp, signatures };
}

// The event's `evt_...` id, when the body is the JSON event Stripe sends.
function eventId(body: Buffer): string | undefined {
  try {
    const event: unknown = JSON.parse(body.toString('utf8'));
    const id = typeof event === 'object' && event !== null ? (event as { id?: unknown }).id : undefined;
    return typeof id === 'string' && id !== '' ? id : undefined;
  } catch {
    return undefined;
  }
}

export const stripeScheme: VerifyScheme = {
  verify: verifyStripe,
  secret: {
    generate: () => SECRET_PREFIX + randomBytes(32).toString('base64url'),
    // Stripe takes any text as the key and sets no minimum; its own prefix adds nothing to guess.
    weakness(secret) {
      const key = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
      return key.length < MIN_TEXT_SECRET_LENGTH
        ? `a stripe secret must be at least ${MIN_TEXT_SECRET_LENGTH} characters after any whsec_`
        : undefined;
    },
  },
};
