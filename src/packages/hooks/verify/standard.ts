import { createHmac, randomBytes } from 'node:crypto';
import {
  decodeBase64,
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
import type { VerifyScheme } from './scheme.ts';

// Standard Webhooks (https://www.standardwebhooks.com/): HMAC-SHA256 over `${id}.${timestamp}.${body}`.
const SECRET_PREFIX = 'whsec_';
const TOLERANCE_SECONDS = 5 * 60;
// Standard Webhooks asks for 24 to 64 random bytes; a longer key is no weaker, so it is accepted.
const MIN_STANDARD_KEY_BYTES = 24;

export interface StandardInput {
  body: Buffer;
  headers: RequestHeaders;
  /** Every secret currently accepted: several while a rotated secret's overlap window lasts. */
  secrets: readonly string[];
  now: Date;
}

/** A fresh signing secret in the form senders expect: `whsec_` and the base64 of 24 random bytes. */
export function generateStandardSecret(): string {
  return SECRET_PREFIX + randomBytes(24).toString('base64');
}

/**
 * The key bytes of a `whsec_<base64>` secret (the prefix is optional, as in the reference library),
 * or undefined when it is not base64 or holds no bytes: an empty key would let anyone sign.
 */
export function standardSecretKey(secret: string): Buffer | undefined {
  const key = decodeBase64(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret);
  return key?.length ? key : undefined;
}

/** Verifies a Standard Webhooks delivery over its raw body. Never throws. */
export function verifyStandard({ body, headers, secrets, now }: StandardInput): VerifyResult {
  const id = headerValue(headers, 'webhook-id');
  const timestamp = headerValue(headers, 'webhook-timestamp');
  const signatureHeader = headerValue(headers, 'webhook-signature');
  if (id === undefined || timestamp === undefined || signatureHeader === undefined) return MISSING_HEADER;

  const sentAt = parseUnixSeconds(timestamp);
  const signatures = v1Signatures(signatureHeader);
  if (sentAt === undefined || signatures.length === 0) return SIGNATURE_INVALID;

  const signed = Buffer.from(`${id}.${timestamp}.`);
  const matches = secrets.some((secret) => {
    const key = standardSecretKey(secret);
    if (key === undefined) return false;
    const expected = createHmac('sha256', key).update(signed).update(body).digest();
    return signatures.some((signature) => digestsEqual(expected, signature));
  });
  if (!matches) return SIGNATURE_INVALID;
  // Checked after the signature, so only a holder of the secret learns that the time was the problem.
  if (!withinTolerance(sentAt, now, TOLERANCE_SECONDS)) return TIMESTAMP_OUT_OF_RANGE;
  return { ok: true, deliveryId: id, timestamp: sentAt };
}

// The header holds space-separated `version,signature` entries; other versions (v1a is an
// asymmetric scheme) and undecodable entries are skipped rather than failing the whole header.
function v1Signatures(header: string): Buffer[] {
  const signatures: Buffer[] = [];
  for (const entry of header.split(' ')) {
    const [version, signature, ...rest] = entry.split(',');
    const bytes =
      version === 'v1' && signature !== undefined && rest.length === 0 ? decodeBase64(signature) : undefined;
    if (bytes !== undefined) signatures.push(bytes);
  }
  return signatures;
}

export const standardScheme: VerifyScheme = {
  verify: verifyStandard,
  secret: {
    generate: generateStandardSecret,
    weakness(secret) {
      const key = standardSecretKey(secret);
      if (key === undefined) return 'a standard secret must be whsec_ followed by base64';
      if (key.length < MIN_STANDARD_KEY_BYTES) {
        return `a standard secret must hold at least ${MIN_STANDARD_KEY_BYTES} bytes (whsec_ and 32 base64 characters), not ${key.length}`;
      }
      return undefined;
    },
  },
};
