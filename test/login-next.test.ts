import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Client } from './helpers/http.ts';
import { submitLogin } from './helpers/pages.ts';
import { startTestServer } from './helpers/server.ts';
import { createUser, PASSWORD } from './helpers/users.ts';

const SESSION_COOKIE = 'endpoint_session';

// Query strings as sent: each `next` decodes to something a browser (or a layer that decodes
// again) would take for another site, or that cannot go into a Location header at all.
const HOSTILE = [
  '?next=/%09/evil.example',
  '?next=%2F%0A%2Fevil.example',
  '?next=/%5Cevil.example',
  '?next=/%252F/evil.example',
  '?next=/%255C/evil.example',
  '?next=/%2509/evil.example',
  '?next=%2F%2Fevil.example',
  '?next=https://evil.example',
  '?next=javascript:alert(1)',
  '?next=/links%0D%0ASet-Cookie:%20x=1',
  '?next=/links%0D',
  '?next=/links%00',
  '?next=/%E2%82%AC',
  '?next=/%C4%B0',
  '?next=/%FF',
];

describe('the next parameter of the login page', () => {
  it('goes home after login, never off-site and never a 500, whatever next holds', async (t) => {
    const server = await startTestServer(t);
    await createUser(server.app, 'joe');
    for (const query of HOSTILE) {
      const client = new Client(server.url);
      const response = await submitLogin(client, { username: 'joe', password: PASSWORD }, query);
      assert.equal(response.status, 303, query);
      assert.equal(response.headers.get('location'), '/', query);
      assert.ok(client.cookies.has(SESSION_COOKIE), query);
    }
  });

  it('shows the form without a hostile next, and sends a logged-in visitor home instead', async (t) => {
    const server = await startTestServer(t);
    await createUser(server.app, 'joe');
    const joe = new Client(server.url);
    assert.equal((await submitLogin(joe, { username: 'joe', password: PASSWORD })).status, 303);
    for (const query of HOSTILE) {
      const form = await new Client(server.url).get(`/user/login${query}`);
      assert.equal(form.status, 200, query);
      assert.match(await form.text(), /<form method="post" action="\/user\/login">/, query);
      const visit = await joe.get(`/user/login${query}`);
      assert.equal(visit.status, 303, query);
      assert.equal(visit.headers.get('location'), '/', query);
    }
  });

  it('keeps a plain local next, encoded search terms and all, through the form and the login', async (t) => {
    const server = await startTestServer(t);
    await createUser(server.app, 'joe');
    const next = '/links?q=https%3A%2F%2Fexample.org';
    const query = `?next=${encodeURIComponent(next)}`;
    const client = new Client(server.url);
    const form = await client.get(`/user/login${query}`);
    assert.match(await form.text(), /action="\/user\/login\?next=%2Flinks%3Fq%3Dhttps%253A%252F%252Fexample.org"/);
    const response = await submitLogin(client, { username: 'joe', password: PASSWORD }, query);
    assert.equal(response.status, 303);
    assert.equal(response.headers.get('location'), next);
  });
});
