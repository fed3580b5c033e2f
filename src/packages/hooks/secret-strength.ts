import type { SignatureMode } from './table.ts';
import { standardSecretKey } from './verify/standard.ts';

// Anyone holding one signed delivery can try keys offline, as fast as HMAC runs, so a given
// secret must be hard to guess; generated ones exceed every minimum here.
// Standard Webhooks asks for 24 to 64 random bytes; a longer key is no weaker, so it is accepted.
export const MIN_STANDARD_KEY_BYTES = 24;
// GitHub and Stripe take any text as the key and set no minimum. 16 characters is what password
// managers make at the least (about 95 bits in letters and digits), below it a key is guessable.
export const MIN_TEXT_SECRET_LENGTH = 16;
// Twilio signs with the account's auth token, always 32 hexadecimal characters: anything else
// is a paste of something else (the account SID, an API key) that would verify nothing.
const TWILIO_AUTH_TOKEN = /^[0-9a-fA-F]{32}$/;
const STRIPE_PREFIX = 'whsec_';

/** Why a secret given for a hook is refused for its scheme, or undefined when it will do. */
export function secretWeakness(mode: SignatureMode, secret: string): string | undefined {
  switch (mode) {
    case 'standard': {
      const key = standardSecretKey(secret);
      if (key === undefined) return 'a standard secret must be whsec_ followed by base64';
      if (key.length < MIN_STANDARD_KEY_BYTES) {
        return `a standard secret must hold at least ${MIN_STANDARD_KEY_BYTES} bytes (whsec_ and 32 base64 characters), not ${key.length}`;
      }
      return undefined;
    }
    case 'github':
      return secret.length < MIN_TEXT_SECRET_LENGTH
        ? `a github secret must be at least ${MIN_TEXT_SECRET_LENGTH} characters`
        : undefined;
    case 'stripe': {
      const key = secret.startsWith(STRIPE_PREFIX) ? secret.slice(STRIPE_PREFIX.length) : secret;
      return key.length < MIN_TEXT_SECRET_LENGTH
        ? `a stripe secret must be at least ${MIN_TEXT_SECRET_LENGTH} characters after any whsec_`
        : undefined;
    }
    case 'twilio':
      return TWILIO_AUTH_TOKEN.test(secret)
        ? undefined
        : "a twilio secret is the account's auth token: 32 hexadecimal characters";
  }
}
