import assert from 'node:assert/strict';
import { Client } from './http.ts';
import { PASSWORD } from './users.ts';

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

/** Opens a page's form and posts `fields` with its CSRF token; a name may repeat (a checklist). */
export async function postForm(client: Client, path: string, fields: [string, string][], formPath = path) {
  const page = await client.get(formPath);
  assert.equal(page.status, 200, `GET ${formPath}`);
  const body = new URLSearchParams([['_csrf', csrfFrom(await page.text())], ...fields]);
  return client.request(path, { method: 'POST', body });
}

/** A client logged in as `username` (with the test password). */
export async function loggedIn(url: string, username: string): Promise<Client> {
  const client = new Client(url);
  await client.login(username, PASSWORD);
  return client;
}
