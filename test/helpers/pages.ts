import assert from 'node:assert/strict';
import type { Client } from './http.ts';

/** The CSRF token a page put in its hidden `_csrf` field. */
export function csrfFrom(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  assert.ok(match, 'the page has a _csrf field');
  return match[1];
}

/** Opens the login page (which sets the CSRF cookie) and posts the form. */
export async function submitLogin(client: Client, form: Record<string, string>, query = ''): Promise<Response> {
  const page = await client.get(`/user/login${query}`);
  assert.equal(page.status, 200);
  return client.request(`/user/login${query}`, {
    method: 'POST',
    form: { _csrf: csrfFrom(await page.text()), ...form },
  });
}
