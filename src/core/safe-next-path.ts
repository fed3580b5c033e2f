// What a browser could read as another site: it drops tabs and newlines anywhere in a URL, takes
// `\` for `/`, and reads `//host` (so `/\t/host` too) as a host. Layers that decode a path before
// redirecting (proxies, frameworks, a second hop through `next`) would turn `/%2F/host` into the
// same thing, so the checks below run on the path as sent and on each decoding of it.
const PRINTABLE_ASCII = /^[\x21-\x7e]+$/;
const CONTROL_OR_BACKSLASH = /[\p{Cc}\\]/u;
// Each round undoes one layer of percent-encoding; a path encoded deeper than this is no
// plain local path, and the bound keeps a long hostile value from costing a round per `%25`.
const DECODING_ROUNDS = 3;
const BASE = new URL('http://endpoint.invalid/');

/**
 * `raw` when it is a plain path on this site (printable ASCII, one leading `/`, no backslash, no
 * control character and no `//` at its start however often its path is percent-decoded), else
 * `/`. Anything that is not a string is `/`. Never throws.
 */
export function safeNextPath(raw: unknown): string {
  return typeof raw === 'string' && isLocalPath(raw) ? raw : '/';
}

function isLocalPath(raw: string): boolean {
  if (!raw.startsWith('/') || !PRINTABLE_ASCII.test(raw)) return false;
  // The query and fragment never name a host, so only the path is decoded: an encoded `//` in a
  // search term (`/links?q=https%3A%2F%2F...`) is kept.
  let path = raw.split(/[?#]/, 1)[0];
  for (let round = 0; ; round++) {
    if (path.startsWith('//') || CONTROL_OR_BACKSLASH.test(path)) return false;
    const decoded = decodeOnce(path);
    if (decoded === undefined) return false;
    if (decoded === path) break;
    if (round === DECODING_ROUNDS) return false;
    path = decoded;
  }
  // What a browser resolves it to must still be this site, at a path with one leading slash.
  const resolved = new URL(raw, BASE);
  return resolved.origin === BASE.origin && !resolved.pathname.startsWith('//');
}

function decodeOnce(path: string): string | undefined {
  try {
    return decodeURIComponent(path);
  } catch {
    return undefined;
  }
}
