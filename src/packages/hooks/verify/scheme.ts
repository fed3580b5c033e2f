import type { RequestHeaders, VerifyResult } from './common.ts';

/**
 * Whether an API token may call token-verified hooks now; undefined for a token that is no good
 * (unknown, expired, revoked, or its owner inactive).
 */
export type TokenCheck = (token: string) => Promise<boolean | undefined>;

/** A call to a hook, with what its scheme may check it against. */
export interface VerifyCall {
  body: Buffer;
  headers: RequestHeaders;
  /** The public URL the sender called, query string included (Twilio signs it). */
  url: string;
  now: Date;
  /** Every secret the hook currently accepts, opened; empty for a scheme without secrets. */
  secrets: readonly string[];
  /** Whether an API token may call `token` hooks; without it (the CLI) every token is refused. */
  tokenMayCall?: TokenCheck;
}

/** A hook's own signing secret under a scheme. */
export type SchemeSecret = {
  /** Why a given secret is refused (guessable, or plainly something else pasted), or undefined when it will do. */
  weakness(secret: string): string | undefined;
} & (
  | {
      /** A fresh secret in the form senders expect, for a hook made or rotated without one. */
      generate(): string;
    }
  | {
      /** What the secret is where the sender issues it, so it must be given: `the Twilio auth token`. */
      issuedAs: string;
    }
);

/**
 * A verification scheme: what `add-hook --verify <mode>` names. Adding one is a file in verify/
 * exporting its scheme, and its line in registry.ts.
 */
export interface VerifyScheme {
  /**
   * Concludes whether the call is the sender's, with the sender's delivery id where its scheme
   * carries one. Never throws (`token`'s only as `tokenMayCall` does): anything malformed is
   * `{ ok: false, reason }`.
   */
  verify(call: VerifyCall): VerifyResult | Promise<VerifyResult>;
  /** The hook's secret, or why it has none (`token`: its callers bring API tokens). */
  secret: SchemeSecret | { none: string };
}

// Anyone holding one signed delivery can try keys offline, as fast as HMAC runs, so a given
// secret must be hard to guess; generated ones exceed every minimum. Where a sender takes any
// text as the key and sets no minimum, 16 characters is what password managers make at the least
// (about 95 bits in letters and digits); below it a key is guessable.
export const MIN_TEXT_SECRET_LENGTH = 16;
