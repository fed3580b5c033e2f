import { createHmac, randomBytes } from 'node:crypto';
import {
  decodeHex,
  digestsEqual,
  headerValue,
  MISSING_HEADER,
  type RequestHeaders,
  SIGNATURE_INVALID,
  type VerifyResult,
} from './common.ts';
import { MIN_TEXT_SECRET_LENGTH, type VerifyScheme } from './scheme.ts';

const PREFIX = 'sha256=';

export interface GithubInput {
  body: Buffer;
  headers: RequestHeaders;
  /** Every secret currently accepted: several while a rotated secret's overlap window lasts. */
  secrets: readonly string[];
}

/**
 * Verifies a GitHub delivery: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`.
 * GitHub signs no timestamp, so replays are caught by the delivery id alone. Never throws.
 */
export function verifyGithub({ body, headers, secrets }: GithubInput): VerifyResult {
  const header = headerValue(headers, 'x-hub-signature-256');
  if (header === undefined) return MISSING_HEADER;
  const signature = header.startsWith(PREFIX) ? decodeHex(header.slice(PREFIX.length)) : undefined;
  if (signature === undefined) return SIGNATURE_INVALID;

  // An empty secret would make the signature something anyone can compute.
  const matches = secrets.some(
    (secret) => secret !== '' && digestsEqual(createHmac('sha256', secret).update(body).digest(), signature),
  );
  if (!matches) return SIGNATURE_INVALID;
  return {
    ok: true,
    deliveryId: headerValue(headers, 'x-github-delivery'),
    event: headerValue(headers, 'x-github-event'),
  };
}

export const githubScheme: VerifyScheme = {
  verify: verifyGithub,
  secret: {
    generate: () => randomBytes(32).toString('hex'),
    // GitHub takes any text as the key and sets no minimum.
    weakness: (secret) =>
      secret.length < MIN_TEXT_SECRET_LENGTH
        ? `a github secret must be at least ${MIN_TEXT_SECRET_LENGTH} characters`
        : undefined,
  },
};
