import { createHmac } from 'node:crypto';
import { parse as parseQuery, stringify as stringifyQuery } from 'node:querystring';
import {
  decodeBase64,
  digestsEqual,
  headerValue,
  MISSING_HEADER,
  type RequestHeaders,
  SIGNATURE_INVALID,
  type VerifyResult,
} from './common.ts';
import type { VerifyScheme } from './scheme.ts';

type TwilioParams = Readonly<Record<string, string | readonly string[]>>;

export interface TwilioInput {
  headers: RequestHeaders;
  /** Every auth token currently accepted: several while a rotated token's overlap window lasts. */
  secrets: readonly string[];
  /** The public URL Twilio requested, query string included, exactly as configured at Twilio. */
  url: string;
  /** The raw POST body: the urlencoded form. */
  body: Buffer;
}

// Twilio signs the parsed, sorted form, so the form is parsed and hashed (once for each URL
// variant and live token) before anything is verified, for anyone who can reach the hook. These
// bounds keep that work to a few milliseconds whatever ENDPOINT_BODY_LIMIT is (a 1 MiB form of
// 120,000 keys took 200 ms of the event loop to parse and sort). Twilio's callbacks carry well
// under 100 parameters, so 1000 leaves room for what it adds; its longest value is a message
// body (1,600 characters for SMS, 32 KiB for Conversations), under 96 KiB even when every byte
// is percent-encoded, and a whole callback with it stays under half the total allowed.
export const MAX_TWILIO_PARAMS = 1000;
export const MAX_TWILIO_PARAM_BYTES = 128 * 1024;
export const MAX_TWILIO_FORM_BYTES = 256 * 1024;
const AMPERSAND = 0x26;

/**
 * Verifies a Twilio request: `X-Twilio-Signature` is base64(HMAC-SHA1(auth token, url + each
 * form parameter's name and value, sorted by name)). URLs are tried in the variants the `twilio`
 * library's `validateRequest` tries, so whatever it accepts is accepted here. Only form posts are
 * verified: JSON bodies signed through `bodySHA256` are refused, and so is a form over the bounds
 * above, before it is parsed (`form too large`: no form Twilio sends is refused by them, so the
 * caller is answered as any other unverified one). Never throws.
 */
export function verifyTwilio({ headers, secrets, url, body }: TwilioInput): VerifyResult {
  const header = headerValue(headers, 'x-twilio-signature');
  if (header === undefined) return MISSING_HEADER;
  const signature = decodeBase64(header);
  if (signature === undefined || !isFormPost(headers)) return SIGNATURE_INVALID;
  if (!withinBounds(body)) return FORM_TOO_LARGE;

  const params = parseForm(body);
  // Encoded once, not once per URL and token: the parameters are most of what is hashed.
  const signedParams = Buffer.from(paramsText(params));
  const urls = candidateUrls(url);
  // An empty token would make the signature something anyone can compute.
  const matches = secrets.some(
    (token) =>
      token !== '' &&
      urls.some((candidate) =>
        digestsEqual(createHmac('sha1', token).update(candidate).update(signedParams).digest(), signature),
      ),
  );
  if (!matches) return SIGNATURE_INVALID;
  return { ok: true, deliveryId: singleValue(params.MessageSid) ?? singleValue(params.CallSid) };
}

const FORM_TOO_LARGE: VerifyResult = Object.freeze({ ok: false, reason: 'form too large' });

// One pass over the raw bytes, looking only for `&`, that stops at the first bound crossed.
function withinBounds(body: Buffer): boolean {
  if (body.length > MAX_TWILIO_FORM_BYTES) return false;
  let start = 0;
  for (let count = 1; count <= MAX_TWILIO_PARAMS; count++) {
    const end = body.indexOf(AMPERSAND, start);
    if ((end === -1 ? body.length : end) - start > MAX_TWILIO_PARAM_BYTES) return false;
    if (end === -1) return true;
    start = end + 1;
  }
  return false;
}

// As Twilio's own library parses the form (node:querystring); parsed values are never undefined.
function parseForm(body: Buffer): TwilioParams {
  return parseQuery(body.toString('utf8'), '&', '=', { maxKeys: MAX_TWILIO_PARAMS }) as TwilioParams;
}

function isFormPost(headers: RequestHeaders): boolean {
  const mediaType = headerValue(headers, 'content-type')?.split(';')[0]?.trim().toLowerCase();
  return mediaType === 'application/x-www-form-urlencoded';
}

// Names sorted by code unit, each name followed by its value; a repeated name contributes each
// distinct value once, values sorted (the library de-duplicates them before signing).
function paramsText(params: TwilioParams): string {
  let text = '';
  for (const name of Object.keys(params).sort()) {
    const value = params[name];
    const values = typeof value === 'string' ? [value] : [...new Set(value)].sort();
    for (const item of values) text += name + item;
  }
  return text;
}

function singleValue(value: string | readonly string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

// The URL as received, without and with the default port (Twilio may sign either); then, for
// back ends that signed an escaped form, as `new URL()` normalizes it and with the query string
// re-encoded the way Node's legacy `querystring` does, each without and with the port.
function candidateUrls(url: string): string[] {
  const urls = [removePort(url), addPort(url)];
  const normalized = normalizeUrl(url);
  if (normalized !== undefined) {
    const withoutPort = removePort(normalized);
    const withPort = addPort(normalized);
    urls.push(withoutPort, withPort, withLegacyQuery(withoutPort), withLegacyQuery(withPort));
  }
  return [...new Set(urls)];
}

function normalizeUrl(url: string): string | undefined {
  try {
    return new URL(url).toString();
  } catch {
    return undefined;
  }
}

interface UrlParts {
  scheme: string;
  userInfo: string;
  host: string;
  port: string;
  rest: string;
}

// Splits without normalizing, so the path and query keep the exact characters Twilio signed.
function splitUrl(url: string): UrlParts | undefined {
  const match = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)/i.exec(url);
  if (match === null) return undefined;
  const [prefix, scheme = '', authority = ''] = match;
  const userInfoEnd = authority.lastIndexOf('@');
  const hostAndPort = authority.slice(userInfoEnd + 1);
  // A colon starts the port only after the closing bracket of an IPv6 literal.
  const portStart = hostAndPort.indexOf(':', hostAndPort.lastIndexOf(']') + 1);
  return {
    scheme,
    userInfo: authority.slice(0, userInfoEnd + 1),
    host: portStart === -1 ? hostAndPort : hostAndPort.slice(0, portStart),
    port: portStart === -1 ? '' : hostAndPort.slice(portStart),
    rest: url.slice(prefix.length),
  };
}

function addPort(url: string): string {
  const parts = splitUrl(url);
  if (parts === undefined || parts.port !== '') return url;
  const port = parts.scheme.toLowerCase() === 'https://' ? ':443' : ':80';
  return parts.scheme + parts.userInfo + parts.host + port + parts.rest;
}

// Drops any port, not only the default one, exactly as the library does.
function removePort(url: string): string {
  const parts = splitUrl(url);
  if (parts === undefined) return url;
  return parts.scheme + parts.userInfo + parts.host + parts.rest;
}

function withLegacyQuery(url: string): string {
  const queryStart = url.indexOf('?');
  if (queryStart === -1 || queryStart === url.length - 1) return url;
  return `${url.slice(0, queryStart)}?${stringifyQuery(parseQuery(url.slice(queryStart + 1)))}`;
}

// Twilio signs with the account's auth token, always 32 hexadecimal characters: anything else
// is a paste of something else (the account SID, an API key) that would verify nothing.
const AUTH_TOKEN = /^[0-9a-fA-F]{32}$/;

export const twilioScheme: VerifyScheme = {
  verify: verifyTwilio,
  secret: {
    issuedAs: 'the Twilio auth token',
    weakness: (secret) =>
      AUTH_TOKEN.test(secret) ? undefined : "a twilio secret is the account's auth token: 32 hexadecimal characters",
  },
};
