import { timingSafeEqual } from 'node:crypto';

export type VerifyFailureReason =
  | 'missing header'
  | 'signature invalid'
  | 'timestamp out of range'
  // Twilio's: a form over the bounds its parameters are parsed within.
  | 'form too large'
  // The `token` mode's: no bearer token, one that is no good, one without hooks.call.
  | 'missing token'
  | 'invalid token'
  | 'not permitted';

/**
 * What a verifier concludes. On success, what the sender said about the delivery where its scheme
 * says it: its own delivery id, when it signed the call, and (GitHub) the event name.
 */
export type VerifyResult =
  | { ok: true; deliveryId?: string; timestamp?: Date; event?: string }
  | { ok: false; reason: VerifyFailureReason };

/** Request headers as Node hands them over: lower-case names, a list only where a header repeats. */
export type RequestHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

// Shared by every call, so frozen: no caller can change the answer another call gives.
export const MISSING_HEADER: VerifyResult = Object.freeze({ ok: false, reason: 'missing header' });
export const SIGNATURE_INVALID: VerifyResult = Object.freeze({ ok: false, reason: 'signature invalid' });
export const TIMESTAMP_OUT_OF_RANGE: VerifyResult = Object.freeze({ ok: false, reason: 'timestamp out of range' });

/** A header's value, undefined when absent or empty. Repeats are joined the way Node joins them. */
export function headerValue(headers: RequestHeaders, name: string): string | undefined {
  const value = headers[name];
  const text = typeof value === 'string' ? value : value?.join(', ');
  return text === '' ? undefined : text;
}

/**
 * Whether two digests are equal, in time that depends only on their lengths. The length of a
 * digest is fixed by its algorithm and is no secret, so a length mismatch may return at once.
 */
export function digestsEqual(expected: Buffer, given: Buffer): boolean {
  return expected.length === given.length && timingSafeEqual(expected, given);
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const HEX = /^(?:[0-9a-fA-F]{2})*$/;

/** Bytes of standard padded base64, or undefined for anything else. Never throws. */
export function decodeBase64(text: string): Buffer | undefined {
  return BASE64.test(text) ? Buffer.from(text, 'base64') : undefined;
}

/** Bytes of a hex string, or undefined for anything else. Never throws. */
export function decodeHex(text: string): Buffer | undefined {
  return HEX.test(text) ? Buffer.from(text, 'hex') : undefined;
}

const SECONDS = /^[0-9]{1,12}$/;

/** Unix seconds as a Date, or undefined unless the text is plain digits. */
export function parseUnixSeconds(text: string): Date | undefined {
  return SECONDS.test(text) ? new Date(Number(text) * 1000) : undefined;
}

/** True when `sentAt` lies within `toleranceSeconds` of `now`, before or after, compared in whole seconds. */
export function withinTolerance(sentAt: Date, now: Date, toleranceSeconds: number): boolean {
  const ageSeconds = Math.floor(now.getTime() / 1000) - sentAt.getTime() / 1000;
  return Math.abs(ageSeconds) <= toleranceSeconds;
}
