import { randomBytes } from 'node:crypto';

/** Fixed, so secret scanners (and people) recognise a leaked token. */
export const TOKEN_PREFIX = 'ep_';

// `ep_` and 32 random bytes in base64url (43 characters): 256 bits from the CSPRNG.
const TOKEN_SHAPE = /^ep_[A-Za-z0-9_-]{43}$/;

/** How much of a token listings show: `ep_` and 8 characters, leaving 208 bits unseen. */
const SHOWN_LENGTH = TOKEN_PREFIX.length + 8;

export function newToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/** True for a string that could be a token; anything else is refused without a query. */
export function isTokenShaped(token: string): boolean {
  return TOKEN_SHAPE.test(token);
}

export function shownPrefix(token: string): string {
  return token.slice(0, SHOWN_LENGTH);
}
