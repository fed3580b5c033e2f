import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import twilio from 'twilio';
import type { HandledDelivery, HookHandler } from '../src/core/hook-handlers.ts';
import { expectOk, expectProblem } from './helpers/api.ts';
import { postHook } from './helpers/hooks.ts';
import { Client } from './helpers/http.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';
import { servicesOver } from './helpers/services.ts';
import { createUser, OPERATOR, PASSWORD } from './helpers/users.ts';

const AUTH_TOKEN = '0123456789abcdef0123456789abcdef';
const FROM = '+15555550167';
const MASKED = '+1555*****67';

let sids = 0;

/** The form Twilio posts for an SMS, with a fresh MessageSid. */
function sms(body: string, from = FROM): Record<string, string> {
  sids += 1;
  return {
    AccountSid: 'AC0123456789abcdef0123456789abcdef',
    MessageSid: `SM${String(sids).padStart(32, '0')}`,
    From: from,
    To: '+15005550001',
    Body: body,
    NumMedia: '0',
  };
}

/** POSTs an SMS to a hook, signed by the twilio library over the URL the server is reached at. */
function postSms(server: TestServer, path: string, params: Record<string, string>): Promise<Response> {
  return postHook(server.url, path, new URLSearchParams(params).toString(), {
    'content-type': 'application/x-www-form-urlencoded',
    'x-twilio-signature': twilio.getExpectedTwilioSignature(AUTH_TOKEN, server.url + path, params),
  });
}

/** A stored delivery as the worker hands it to a handler. */
async function handedOver(server: TestServer, id: number): Promise<HandledDelivery> {
  const row = await server.db
    .selectFrom('hook_deliveries')
    .innerJoin('hooks', 'hooks.id', 'hook_deliveries.hook_id')
    .selectAll('hook_deliveries')
    .select('hooks.name as hook')
    .where('hook_deliveries.id', '=', id)
    .executeTakeFirstOrThrow();
  return {
    id: row.id,
    hook: row.hook,
    externalId: row.external_id,
    contentType: row.content_type,
    headers: JSON.parse(row.headers),
    body: Buffer.from(row.body),
    receivedAt: row.received_at,
    attempt: 1,
  };
}

function smsHandler(server: TestServer): HookHandler {
  const handler = server.app.hookHandlers.get('links.twilio-sms');
  assert.ok(handler, 'the links package offers links.twilio-sms');
  return handler;
}

function run(server: TestServer, delivery: HandledDelivery) {
  return smsHandler(server).handle(delivery, { db: server.db, log: server.app.log, services: servicesOver(server.db) });
}

/** A Twilio hook that only stores: the test, not the worker, runs the SMS handler on its deliveries. */
async function inboxHook(server: TestServer): Promise<number> {
  const { hook } = await server.app.hooks.createHook(OPERATOR, {
    name: 'inbox',
    handler: 'inbox',
    verify: 'twilio',
    secret: AUTH_TOKEN,
  });
  return hook.id;
}

/** Stores an SMS received at a chosen time (as the inbox would have) and runs the handler on it. */
async function archive(server: TestServer, hookId: number, body: string, receivedAt: string, from = FROM) {
  const params = sms(body, from);
  const { id } = await server.db
    .insertInto('hook_deliveries')
    .values({
      hook_id: hookId,
      external_id: params.MessageSid,
      status: 'done',
      next_attempt_at: receivedAt,
      received_at: receivedAt,
      processed_at: receivedAt,
      content_type: 'application/x-www-form-urlencoded',
      headers: '{}',
      body: Buffer.from(new URLSearchParams(params).toString()),
      sender_ip: '127.0.0.1',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return run(server, await handedOver(server, id));
}

function archived(server: TestServer) {
  return server.db.selectFrom('links').select(['delivery_id', 'url', 'sender', 'received_at']).orderBy('id').execute();
}

async function loggedIn(server: TestServer): Promise<Client> {
  await createUser(server.app, 'joe');
  const client = new Client(server.url);
  await client.login('joe', PASSWORD);
  return client;
}

/** The page's HTML after asserting a 200 HTML answer. */
async function page(client: Client, path: string): Promise<string> {
  const response = await client.get(path);
  const html = await response.text();
  assert.equal(response.status, 200, html);
  assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
  return html;
}

/** The archived links a page lists, in order. */
function listedUrls(html: string): string[] {
  return [...html.matchAll(/<a href="([^"]*)" rel="noopener noreferrer nofollow">/g)].map(([, url]) => url);
}

const SAVED_TWO = '<Response><Message>Saved 2 links</Message></Response>';

describe('links.twilio-sms', () => {
  it('runs inline, with an empty TwiML answer when the inline run fails', async (t) => {
    const server = await startTestServer(t);
    assert.deepEqual(smsHandler(server).inline, {
      fallback: { contentType: 'text/xml; charset=utf-8', body: '<Response/>' },
    });
  });

  it('archives the links of a stored SMS with the sender masked, at its received time, once however often it runs', async (t) => {
    const server = await startTestServer(t);
    await inboxHook(server);
    const params = sms('Read https://example.org/a, then www.example.net! (and https://example.org/a again)');
    const { id } = await expectOk(await postSms(server, '/hooks/inbox', params), 202);
    const delivery = await handedOver(server, id);
    assert.equal(delivery.hook, 'inbox');
    const expected = [
      { delivery_id: id, url: 'https://example.org/a', sender: MASKED, received_at: delivery.receivedAt },
      { delivery_id: id, url: 'https://www.example.net', sender: MASKED, received_at: delivery.receivedAt },
    ];
    for (const attempt of [1, 2]) {
      const reply = await run(server, { ...delivery, attempt });
      assert.deepEqual(reply, { contentType: 'text/xml; charset=utf-8', body: SAVED_TWO }, `run ${attempt}`);
      assert.deepEqual(await archived(server), expected, `run ${attempt}`);
    }
    assert.equal(JSON.stringify(await archived(server)).includes(FROM), false, 'the number is never stored');
  });

  it('answers in the singular for one link, and No links found for none or for a body that is no SMS', async (t) => {
    const server = await startTestServer(t);
    const hookId = await inboxHook(server);
    const at = '2026-01-01T10:00:00.000Z';
    const message = (text: string) => `<Response><Message>${text}</Message></Response>`;
    assert.equal((await archive(server, hookId, 'just https://example.org', at))?.body, message('Saved 1 link'));
    assert.equal((await archive(server, hookId, 'no link, sorry', at))?.body, message('No links found'));
    const call = await server.db
      .insertInto('hook_deliveries')
      .values({
        hook_id: hookId,
        external_id: 'CA0123456789abcdef0123456789abcdef',
        status: 'done',
        next_attempt_at: at,
        received_at: at,
        content_type: 'application/json',
        headers: '{}',
        body: Buffer.from('{"CallSid":"CA01","Body":"https://example.net"}'),
        sender_ip: '127.0.0.1',
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const reply = await run(server, await handedOver(server, call.id));
    assert.equal(reply?.body, message('No links found'));
    assert.deepEqual(
      (await archived(server)).map((link) => link.url),
      ['https://example.org'],
    );
  });

  it('keeps the archive when the hook is removed with its deliveries', async (t) => {
    const server = await startTestServer(t);
    const hookId = await inboxHook(server);
    await archive(server, hookId, 'https://example.org', '2026-01-01T10:00:00.000Z');
    await server.app.hooks.removeHook(OPERATOR, 'inbox');
    assert.deepEqual(await archived(server), [
      { delivery_id: null, url: 'https://example.org', sender: MASKED, received_at: '2026-01-01T10:00:00.000Z' },
    ]);
  });
});

describe('GET /links', () => {
  it('sends an anonymous visitor to the login page, remembering the search', async (t) => {
    const server = await startTestServer(t);
    const response = await new Client(server.url).get('/links?q=example');
    assert.equal(response.status, 303);
    assert.equal(response.headers.get('location'), '/user/login?next=%2Flinks%3Fq%3Dexample');
  });

  it('sends an anonymous visitor to the login page before reading their query, even a bad one', async (t) => {
    const server = await startTestServer(t);
    const response = await new Client(server.url).get('/links?limit=0');
    assert.equal(response.status, 303);
    assert.equal(response.headers.get('location'), '/user/login?next=%2Flinks%3Flimit%3D0');
  });

  it('lists messages newest first, each one’s links in the order written, with the masked sender and time', async (t) => {
    const server = await startTestServer(t);
    const hookId = await inboxHook(server);
    await archive(server, hookId, 'https://old.example/1 https://old.example/2', '2026-01-01T10:00:00.000Z');
    await archive(server, hookId, 'www.new.example', '2026-01-02T11:30:00.000Z', 'whatsapp:+447700900123');
    await archive(server, hookId, 'https://mid.example', '2026-01-01T12:00:00.000Z');
    const html = await page(await loggedIn(server), '/links');
    assert.deepEqual(listedUrls(html), [
      'https://www.new.example',
      'https://mid.example',
      'https://old.example/1',
      'https://old.example/2',
    ]);
    assert.match(html, /<td>whatsapp:\+4477\*\*\*\*\*\*23<\/td>/);
    assert.match(html, /<time datetime="2026-01-02T11:30:00.000Z">2026-01-02 11:30 UTC<\/time>/);
    assert.match(html, /1–4 of 4/);
    assert.doesNotMatch(html, /447700900123/);
    assert.match(html, /<a href="\/links">Links<\/a>/, 'the layout links to the archive');
  });

  it('narrows to URLs containing the search in any case, with % and _ matching only themselves', async (t) => {
    const server = await startTestServer(t);
    const hookId = await inboxHook(server);
    const at = '2026-01-01T10:00:00.000Z';
    await archive(
      server,
      hookId,
      'https://Example.org/Docs https://other.example/100%25 https://other.example/a_b',
      at,
    );
    await archive(server, hookId, 'https://other.example/axb https://other.example/1000', at);
    const client = await loggedIn(server);
    const searches: [string, string[]][] = [
      ['example.ORG/docs', ['https://Example.org/Docs']],
      ['  OTHER.EXAMPLE/A  ', ['https://other.example/a_b', 'https://other.example/axb']],
      ['a_b', ['https://other.example/a_b']],
      ['0%', ['https://other.example/100%25']],
      ['nowhere', []],
    ];
    for (const [q, urls] of searches) {
      const html = await page(client, `/links?q=${encodeURIComponent(q)}`);
      assert.deepEqual(listedUrls(html), urls, q);
      assert.match(html, new RegExp(`name="q" type="search" value="${q.trim().replace(/[.%]/g, '\\$&')}"`), q);
    }
    assert.match(await page(client, '/links?q=nowhere'), /No link matches your search/);
  });

  it('pages with limit and offset, linking to the newer and older pages and keeping the search', async (t) => {
    const server = await startTestServer(t);
    const hookId = await inboxHook(server);
    for (let day = 1; day <= 5; day++) {
      await archive(server, hookId, `https://example.org/${day}`, `2026-01-0${day}T10:00:00.000Z`);
    }
    await archive(server, hookId, 'https://elsewhere.example', '2026-01-09T10:00:00.000Z');
    const client = await loggedIn(server);
    const first = await page(client, '/links?q=example.org&limit=2');
    assert.deepEqual(listedUrls(first), ['https://example.org/5', 'https://example.org/4']);
    assert.match(first, /1–2 of 5/);
    assert.doesNotMatch(first, />Newer</);
    assert.match(first, /<a href="\/links\?q=example.org&amp;limit=2&amp;offset=2">Older<\/a>/);
    const middle = await page(client, '/links?q=example.org&limit=2&offset=2');
    assert.deepEqual(listedUrls(middle), ['https://example.org/3', 'https://example.org/2']);
    assert.match(middle, /<a href="\/links\?q=example.org&amp;limit=2">Newer<\/a>/);
    assert.match(middle, /offset=4">Older</);
    const last = await page(client, '/links?q=example.org&limit=2&offset=4');
    assert.deepEqual(listedUrls(last), ['https://example.org/1']);
    assert.doesNotMatch(last, />Older</);
    const beyond = await page(client, '/links?limit=2&offset=50');
    assert.deepEqual(listedUrls(beyond), []);
    assert.match(beyond, /No more links/);
    assert.match(beyond, /<a href="\/links\?limit=2&amp;offset=4">Newer<\/a>/, 'back to the last page');
    assert.deepEqual(listedUrls(await page(client, '/links')).length, 6, 'all on one page by default');
  });

  it('answers a bad query with a 400 page, never a 500', async (t) => {
    const server = await startTestServer(t);
    const client = await loggedIn(server);
    const bad = ['limit=0', 'limit=201', 'limit=ten', 'offset=-1', 'offset=1.5', `q=${'a'.repeat(201)}`, 'q=a%00b'];
    for (const query of bad) {
      const response = await client.get(`/links?${query}`);
      assert.equal(response.status, 400, query);
      assert.match(response.headers.get('content-type') ?? '', /^text\/html/, query);
      assert.match(await response.text(), /<title>[^<]+ · Endpoint<\/title>/, query);
    }
  });

  it('escapes what it shows: a URL or a search with markup in it comes out as text', async (t) => {
    const server = await startTestServer(t);
    const hookId = await inboxHook(server);
    const at = '2026-01-01T10:00:00.000Z';
    // A link ends where markup starts, so the SMS archives only the part before it ...
    await archive(server, hookId, 'https://evil.example/<script>alert(1)</script>', at);
    assert.deepEqual(
      (await archived(server)).map((link) => link.url),
      ['https://evil.example/'],
    );
    // ... and a row written by other means is escaped all the same.
    await server.db
      .insertInto('links')
      .values({
        delivery_id: null,
        url: 'https://evil.example/"><script>alert(2)</script>',
        sender: '***',
        received_at: at,
        created_at: at,
      })
      .execute();
    const client = await loggedIn(server);
    const html = await page(client, '/links');
    assert.doesNotMatch(html, /<script>alert/);
    assert.match(html, /&lt;script&gt;alert\(2\)&lt;\/script&gt;/);
    assert.match(html, /href="https:\/\/evil.example\/&quot;&gt;&lt;script&gt;/);
    const searched = await page(client, `/links?q=${encodeURIComponent('"><script>alert(3)</script>')}`);
    assert.doesNotMatch(searched, /<script>alert/);
    assert.match(searched, /value="&quot;&gt;&lt;script&gt;alert\(3\)&lt;\/script&gt;"/);
  });

  it('keeps to the content security policy: no inline script or style', async (t) => {
    const server = await startTestServer(t);
    const client = await loggedIn(server);
    const response = await client.get('/links');
    const csp = response.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'/);
    const html = await response.text();
    assert.doesNotMatch(html, /<script|<style|\sstyle=|\son[a-z]+=/i);
  });
});

/** A server with the hook a Twilio number's messaging webhook points at: `/hooks/sms`. */
async function serverWithSmsHook(t: TestContext) {
  const server = await startTestServer(t);
  await server.app.hooks.createHook(OPERATOR, {
    name: 'sms',
    handler: 'links.twilio-sms',
    verify: 'twilio',
    secret: AUTH_TOKEN,
  });
  return server;
}

describe('a Twilio number sending SMS to the links hook', () => {
  it('answers the SMS with TwiML saying how many links were saved, and the page lists them', async (t) => {
    const server = await serverWithSmsHook(t);
    const params = sms('Two for later: https://example.org/read and www.example.net/watch.');
    const response = await postSms(server, '/hooks/sms', params);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/xml/);
    assert.equal(await response.text(), SAVED_TWO);

    const client = await loggedIn(server);
    const html = await page(client, '/links');
    assert.deepEqual(listedUrls(html), ['https://example.org/read', 'https://www.example.net/watch']);
    assert.match(html, /<td>\+1555\*\*\*\*\*67<\/td>/);

    const forged = sms('https://evil.example');
    const signedOther = twilio.getExpectedTwilioSignature('f'.repeat(32), `${server.url}/hooks/sms`, forged);
    const refused = await postHook(server.url, '/hooks/sms', new URLSearchParams(forged).toString(), {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': signedOther,
    });
    await expectProblem(refused, 401, 'signature_invalid');
    assert.equal((await archived(server)).length, 2, 'a forged SMS archives nothing');
  });

  it('archives a redelivered SMS once, answering it with TwiML that sends no second message', async (t) => {
    const server = await serverWithSmsHook(t);
    const params = sms('https://example.org/read https://example.net/watch');
    const first = await postSms(server, '/hooks/sms', params);
    assert.equal(first.status, 200);
    assert.equal(await first.text(), SAVED_TWO);
    // The hooks package answers a redelivery with the fallback rather than run the handler again.
    const again = await postSms(server, '/hooks/sms', params);
    assert.equal(again.status, 200);
    assert.match(again.headers.get('content-type') ?? '', /^text\/xml/);
    assert.equal(await again.text(), '<Response/>');
    assert.equal((await archived(server)).length, 2);
  });
});
