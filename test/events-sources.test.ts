import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import twilio from 'twilio';
import { EVENTS_ENV, subscribe, verified } from './helpers/events.ts';
import { postHook } from './helpers/hooks.ts';
import { startReceiver } from './helpers/receiver.ts';
import { startTestServer } from './helpers/server.ts';
import { adminNobodyAnonymous, OPERATOR } from './helpers/users.ts';

const AUTH_TOKEN = '0123456789abcdef0123456789abcdef';

describe('events from hooks and links', () => {
  it('sends link.saved for each link a text message archives, once however often it is delivered', async (t) => {
    const server = await startTestServer(t, { env: EVENTS_ENV });
    const { admin } = await adminNobodyAnonymous(server);
    const receiver = await startReceiver(t);
    const { secret } = await subscribe(admin, receiver.url, ['link.saved']);
    await server.app.hooks.createHook(OPERATOR, {
      name: 'sms',
      handler: 'links.twilio-sms',
      verify: 'twilio',
      secret: AUTH_TOKEN,
    });
    const params = {
      AccountSid: 'AC0123456789abcdef0123456789abcdef',
      MessageSid: 'SM00000000000000000000000000000001',
      From: '+15555550167',
      To: '+15005550001',
      Body: 'see https://a.example/x and www.b.example',
    };
    const body = new URLSearchParams(params).toString();
    const headers = {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilio.getExpectedTwilioSignature(AUTH_TOKEN, `${server.url}/hooks/sms`, params),
    };
    assert.equal((await postHook(server.url, '/hooks/sms', body, headers)).status, 200);
    const received = await receiver.waitFor(2);
    const urls = received.map((request) => verified(request, secret).data.url).sort();
    assert.deepEqual(urls, ['https://a.example/x', 'https://www.b.example']);
    assert.equal(verified(received[0], secret).data.sender, '+1555*****67');

    // The same SMS again: stored once, archived once, announced once.
    assert.equal((await postHook(server.url, '/hooks/sms', body, headers)).status, 200);
    const { id } = await subscribe(admin, receiver.url, ['ping']);
    assert.equal((await admin.post(`/api/v1/subscriptions/${id}/test`)).status, 202);
    await receiver.waitFor(1, 'ping');
    assert.equal(receiver.received.length, 3);
  });

  it("sends hook.delivery.failed when a delivery's attempts are exhausted", async (t) => {
    const server = await startTestServer(t, { env: { ...EVENTS_ENV, ENDPOINT_HOOK_MAX_ATTEMPTS: '1' } });
    const { admin } = await adminNobodyAnonymous(server);
    const receiver = await startReceiver(t);
    const { secret } = await subscribe(admin, receiver.url, ['hook.delivery.failed']);
    const { hook } = await server.app.hooks.createHook(OPERATOR, {
      name: 'orphan',
      handler: 'inbox',
      verify: 'twilio',
      secret: AUTH_TOKEN,
    });
    // A handler that is no longer installed fails every run.
    await server.db.updateTable('hooks').set({ handler: 'removed.handler' }).where('id', '=', hook.id).execute();
    const params = { MessageSid: 'SM00000000000000000000000000000002', Body: 'hello' };
    const response = await postHook(server.url, '/hooks/orphan', new URLSearchParams(params).toString(), {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilio.getExpectedTwilioSignature(AUTH_TOKEN, `${server.url}/hooks/orphan`, params),
    });
    assert.equal(response.status, 202);
    const [request] = await receiver.waitFor(1);
    const message = verified(request, secret);
    assert.equal(message.type, 'hook.delivery.failed');
    assert.equal(message.data.hook, 'orphan');
    assert.equal(message.data.external_id, params.MessageSid);
    assert.equal(message.data.attempts, 1);
    assert.match(message.data.error, /no handler named "removed.handler"/);
  });
});
