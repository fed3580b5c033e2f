import type { AdminListPage, AdminRow } from '../../core/admin.ts';
import { HttpError } from '../../core/http-errors.ts';

/** What the promise answers, or undefined when the service says it is not there (a 404). */
export async function orUndefined<T>(found: Promise<T>): Promise<T | undefined> {
  try {
    return await found;
  } catch (error) {
    if (error instanceof HttpError && error.status === 404) return undefined;
    throw error;
  }
}

/**
 * A list page from a service's keyset page and its count of the same filter; a filter naming a
 * hook that does not exist finds nothing rather than an error page.
 */
export async function keysetListPage<T>(
  page: Promise<{ items: T[]; next?: string }>,
  total: Promise<number>,
  toRow: (item: T) => AdminRow,
): Promise<AdminListPage> {
  const [found, count] = await Promise.all([orUndefined(page), orUndefined(total)]);
  return { rows: (found?.items ?? []).map(toRow), next: found?.next, total: count ?? 0 };
}

/** Bodies longer than this are shown cut, with a link to download them whole. */
export const SHOWN_BODY_BYTES = 64 * 1024;

/** A body to show as text: JSON pretty-printed, cut at SHOWN_BODY_BYTES; the page escapes it. */
export function shownBody(body: string, encoding: 'utf8' | 'base64'): { text: string; cut: boolean } {
  const cut = Buffer.byteLength(body) > SHOWN_BODY_BYTES;
  if (cut) return { text: Buffer.from(body).subarray(0, SHOWN_BODY_BYTES).toString('utf8'), cut };
  if (encoding === 'utf8') {
    try {
      return { text: JSON.stringify(JSON.parse(body), null, 2), cut };
    } catch {
      // Not JSON: shown as it came.
    }
  }
  return { text: encoding === 'base64' ? `(binary, base64) ${body}` : body, cut };
}
