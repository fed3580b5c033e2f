// Query parameters that carry secrets: one-time links (/setup?token=), OAuth callbacks (code,
// access_token), signed URLs (sig, signature) and keys some clients put in the URL. A name
// matches in any case; a false match only costs a value in the log.
const SECRET_IN_NAME = /token|secret|passw|signature|credential|api[_-]?key/i;
const SECRET_NAME = /^(key|sig|code|auth|session)$|[_-](key|sig|code)$/i;

function isSecretName(encoded: string): boolean {
  let name = encoded;
  try {
    name = decodeURIComponent(encoded.replace(/\+/g, ' '));
  } catch {
    // Malformed percent-encoding: judge the name as it was sent.
  }
  return SECRET_IN_NAME.test(name) || SECRET_NAME.test(name);
}

/** The URL with the value of each secret-carrying query parameter replaced by `[redacted]`. Never throws. */
export function redactUrl(url: string): string {
  const start = url.indexOf('?');
  if (start === -1) return url;
  const pairs = url
    .slice(start + 1)
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      return equals !== -1 && isSecretName(pair.slice(0, equals)) ? `${pair.slice(0, equals)}=[redacted]` : pair;
    });
  return `${url.slice(0, start + 1)}${pairs.join('&')}`;
}
