import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectOk, expectProblem } from './helpers/api.ts';
import { addHook, postHook, signedHeaders, storedDeliveries, twilioHeaders } from './helpers/hooks.ts';
import { startTestServer } from './helpers/server.ts';
import { OPERATOR } from './helpers/users.ts';

const PUBLIC_URL = 'https://endpoint.example.com';
const AUTH_TOKEN = '0123456789abcdef0123456789abcdef';
// What the original Flask app received at POST /twilio/sms, and trusted on its AccountSid alone.
const SMS = {
  AccountSid: 'AC0123456789abcdef0123456789abcdef',
  MessageSid: 'SM0123456789abcdef0123456789abcdef',
  From: '+15005550006',
  To: '+15005550001',
  Body: 'Save https://example.org and www.example.net',
};
const FORM = 'application/x-www-form-urlencoded';

describe('a hook at its legacy path', () => {
  it('receives a Twilio SMS at POST /twilio/sms signed over that public URL; a forged one is 401', async (t) => {
    // The test calls the server by its loopback address, so that host is allowed beside the public one.
    const server = await startTestServer(t, {
      env: {
        ENDPOINT_PUBLIC_URL: PUBLIC_URL,
        ENDPOINT_ALLOWED_HOSTS: 'endpoint.example.com,127.0.0.1',
        ENDPOINT_HOOK_WORKER: 'off',
      },
    });
    const { hook } = await server.app.hooks.createHook(OPERATOR, {
      name: 'sms',
      handler: 'inbox',
      verify: 'twilio',
      secret: AUTH_TOKEN,
      legacyPath: '/twilio/sms',
    });
    const body = new URLSearchParams(SMS).toString();
    const signed = twilioHeaders(AUTH_TOKEN, `${PUBLIC_URL}/twilio/sms`, SMS);
    const answer = await expectOk(await postHook(server.url, '/twilio/sms', body, signed), 202);

    // The AccountSid is right, the signature is not: the original would have stored it.
    const forged = twilioHeaders('f'.repeat(32), `${PUBLIC_URL}/twilio/sms`, { ...SMS, MessageSid: 'SMforged' });
    const forgedBody = new URLSearchParams({ ...SMS, MessageSid: 'SMforged' }).toString();
    await expectProblem(await postHook(server.url, '/twilio/sms', forgedBody, forged), 401, 'signature_invalid');
    await expectProblem(
      await postHook(server.url, '/twilio/sms', forgedBody, { 'content-type': FORM }),
      401,
      'signature_invalid',
    );
    // Signed for /hooks/sms, sent to /twilio/sms: the URL is part of what Twilio signs.
    const elsewhere = twilioHeaders(AUTH_TOKEN, `${PUBLIC_URL}/hooks/sms`, SMS);
    await expectProblem(await postHook(server.url, '/twilio/sms', body, elsewhere), 401, 'signature_invalid');

    const [row, ...others] = await storedDeliveries(server.db, hook.id);
    assert.equal(others.length, 0);
    assert.deepEqual(answer, { id: row.id, status: 'pending' });
    assert.equal(row.external_id, SMS.MessageSid);
    assert.equal(Buffer.from(row.body).toString('utf8'), body);
    // A redelivery at the legacy path is the same delivery as at /hooks/sms.
    const again = await postHook(
      server.url,
      '/hooks/sms',
      body,
      twilioHeaders(AUTH_TOKEN, `${PUBLIC_URL}/hooks/sms`, SMS),
    );
    assert.deepEqual(await expectOk(again, 200), answer);
  });

  it('answers at a path set or removed while the server runs, with the refusals of /hooks', async (t) => {
    const server = await startTestServer(t);
    const hook = await addHook(server.app, 'billing', 'standard');
    const payload = '{"type":"ping"}';
    const send = async (path: string, id: string) =>
      postHook(server.url, path, payload, await signedHeaders('standard', hook.secret, id, payload));

    assert.equal((await send('/legacy/billing', 'msg_0')).status, 404);
    await server.app.hooks.updateHook(OPERATOR, 'billing', { legacyPath: '/legacy/billing' });
    await expectOk(await send('/legacy/billing', 'msg_1'), 202);
    await expectOk(await send('/legacy/billing?from=old', 'msg_2'), 202);
    const xml = await postHook(server.url, '/legacy/billing', '<a/>', { 'content-type': 'application/xml' });
    await expectProblem(xml, 415, 'unsupported_media_type');
    await server.app.hooks.updateHook(OPERATOR, 'billing', { legacyPath: null });
    assert.equal((await send('/legacy/billing', 'msg_3')).status, 404);
    assert.deepEqual(
      (await storedDeliveries(server.db, hook.id)).map((row) => row.external_id),
      ['msg_1', 'msg_2'],
    );
  });

  it('leaves every other POST as it was: the HTML or problem+json 404, and the pages', async (t) => {
    const server = await startTestServer(t);
    await addHook(server.app, 'sms', 'twilio', AUTH_TOKEN);
    await server.app.hooks.updateHook(OPERATOR, 'sms', { legacyPath: '/twilio/sms' });
    const post = (path: string, contentType: string, body: string) =>
      fetch(server.url + path, {
        method: 'POST',
        headers: { 'content-type': contentType, accept: 'text/html' },
        body,
        redirect: 'manual',
      });
    for (const [path, contentType] of [
      ['/nope', 'application/json'],
      ['/nope', 'application/xml'],
      ['/twilio/sms/more', FORM],
      ['/twilio', FORM],
      ['/', FORM],
      ['/static/simple.min.css', 'text/plain'],
    ]) {
      const response = await post(path, contentType, 'a=b');
      assert.equal(response.status, 404, path);
      assert.match(response.headers.get('content-type') ?? '', /^text\/html/, path);
      assert.match(await response.text(), /Not found/, path);
    }
    for (const path of ['/api/v1/nope', '/hooks', '/hooks/nope/more']) {
      await expectProblem(await post(path, 'application/xml', '<a/>'), 404, 'not_found');
    }
    // The login form's own route still answers it: a form without its CSRF token is refused there.
    const login = await post('/user/login', FORM, 'username=a&password=b');
    assert.equal(login.status, 403);
    assert.match(await login.text(), /Cross-site request refused/);
  });
});
