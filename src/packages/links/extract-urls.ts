/** The most links one message archives: a message of more links is a list, not a note to self. */
export const MAX_LINKS_PER_MESSAGE = 20;

// PostgreSQL's btree entries hold about 2.7 kB, and (delivery_id, url) is unique: a longer URL is
// skipped rather than cut, as a cut URL leads somewhere else.
const MAX_URL_BYTES = 2000;

// A scheme or a bare `www.` at a word boundary (so `xhttps://` and `awww.` are not links) and a
// letter or digit after it, then everything up to whitespace or a character a URL cannot hold
// unescaped (`<`, `>`, `"`, control characters).
const CANDIDATE = /\b(?:https?:\/\/|www\.)(?=[\p{L}\p{N}[])[^\s<>"\p{Cc}]+/giu;

// Punctuation and quotes that end a sentence or a quotation rather than the link.
const TRAILING = /[.,;:!?'‘’“”«»]+$/u;

const OPENER: Record<string, string> = { ')': '(', ']': '[', '}': '{' };

/**
 * The http(s) links in a text message, in the order written, each once, at most
 * MAX_LINKS_PER_MESSAGE. A bare `www.` link gets `https://` in front, so every result opens as
 * written. Trailing punctuation and quotes are not part of a link, nor is a closing bracket the
 * link did not open: `(see https://a.example/x)` gives `https://a.example/x`, while
 * `https://a.example/wiki/X_(y)` keeps its own. Never throws.
 */
export function extractUrls(text: string): string[] {
  const urls = new Set<string>();
  for (const [candidate] of text.matchAll(CANDIDATE)) {
    if (urls.size === MAX_LINKS_PER_MESSAGE) break;
    const trimmed = trimEnd(candidate);
    const url = /^www\./i.test(trimmed) ? `https://${trimmed}` : trimmed;
    if (Buffer.byteLength(url) <= MAX_URL_BYTES && URL.canParse(url)) urls.add(url);
  }
  return [...urls];
}

function trimEnd(candidate: string): string {
  let url = candidate;
  for (;;) {
    const before = url;
    url = url.replace(TRAILING, '');
    const closer = url.at(-1) ?? '';
    const opener = OPENER[closer];
    if (opener !== undefined && count(url, closer) > count(url, opener)) url = url.slice(0, -1);
    if (url === before) return url;
  }
}

function count(text: string, character: string): number {
  return text.split(character).length - 1;
}
