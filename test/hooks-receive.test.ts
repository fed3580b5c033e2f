import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { sign as signGithub } from '@octokit/webhooks-methods';
import { Webhook } from 'standardwebhooks';
import Stripe from 'stripe';
import twilio from 'twilio';
import { expectOk, expectProblem } from './helpers/api.ts';
import { isForeignKeyViolation } from './helpers/built.ts';
import { addHook, postHook, storedDeliveries } from './helpers/hooks.ts';
import { startTestServer } from './helpers/server.ts';
import { OPERATOR } from './helpers/users.ts';

const JSON_TYPE = 'application/json';
// Non-ASCII and insignificant whitespace, so any re-encoding of the body would show.
const PAYLOAD = '{"type":"invoice.paid",  "data":{"note":"café ✓"}}';

/** Headers of a Standard Webhooks delivery signed by the sender's own library. */
function standardHeaders(secret: string, id: string, payload = PAYLOAD, sentAt = new Date()) {
  return {
    'content-type': JSON_TYPE,
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(id, sentAt, payload),
  };
}

// No worker: these tests look at deliveries as receiving left them.
async function setUp(t: TestContext, env: Record<string, string> = {}) {
  const server = await startTestServer(t, { env: { ENDPOINT_HOOK_WORKER: 'off', ...env } });
  const hook = await addHook(server.app, 'billing', 'standard');
  return { server, hook };
}

describe('POST /hooks/:name with Standard Webhooks', () => {
  it('stores a signed delivery byte for byte and answers 202 once it is committed', async (t) => {
    const { server, hook } = await setUp(t);
    const response = await postHook(server.url, '/hooks/billing', PAYLOAD, standardHeaders(hook.secret, 'msg_1'));
    const answer = await expectOk(response, 202);
    const [row, ...others] = await storedDeliveries(server.db, hook.id);
    assert.equal(others.length, 0);
    assert.deepEqual(answer, { id: row.id, status: 'pending' });
    assert.deepEqual(Buffer.from(row.body), Buffer.from(PAYLOAD));
    assert.equal(row.external_id, 'msg_1');
    assert.equal(row.status, 'pending');
    assert.equal(row.attempts, 0);
    assert.equal(row.content_type, JSON_TYPE);
    assert.equal(row.sender_ip, '127.0.0.1');
    const headers = JSON.parse(row.headers);
    assert.equal(headers['webhook-id'], 'msg_1');
    assert.equal(headers['webhook-signature'], undefined, 'signatures are not stored');
  });

  it('refuses a tampered body, a wrong secret or a missing signature with 401 signature_invalid, storing nothing', async (t) => {
    const { server, hook } = await setUp(t);
    const other = await addHook(server.app, 'other', 'standard');
    const signed = standardHeaders(hook.secret, 'msg_2');
    const { 'webhook-signature': _dropped, ...unsigned } = signed;
    const refused: [string, string, Record<string, string>][] = [
      ['tampered', PAYLOAD.replace('paid', 'void'), signed],
      ['wrong secret', PAYLOAD, standardHeaders(other.secret, 'msg_2')],
      ['missing header', PAYLOAD, unsigned],
    ];
    for (const [what, body, headers] of refused) {
      await t.test(what, async () => {
        await expectProblem(await postHook(server.url, '/hooks/billing', body, headers), 401, 'signature_invalid');
      });
    }
    assert.equal((await storedDeliveries(server.db, hook.id)).length, 0);
  });

  it('refuses a delivery signed more than 5 minutes ago or ahead with 401 timestamp_out_of_range', async (t) => {
    const { server, hook } = await setUp(t);
    for (const minutes of [-6, 6]) {
      const sentAt = new Date(Date.now() + minutes * 60_000);
      const headers = standardHeaders(hook.secret, `msg_${minutes}`, PAYLOAD, sentAt);
      const response = await postHook(server.url, '/hooks/billing', PAYLOAD, headers);
      await expectProblem(response, 401, 'timestamp_out_of_range');
    }
    assert.equal((await storedDeliveries(server.db, hook.id)).length, 0);
  });

  it('answers a replayed webhook-id with 200 and the first delivery, storing nothing new', async (t) => {
    const { server, hook } = await setUp(t);
    const headers = standardHeaders(hook.secret, 'msg_3');
    const first = await expectOk(await postHook(server.url, '/hooks/billing', PAYLOAD, headers), 202);
    const again = await expectOk(await postHook(server.url, '/hooks/billing', PAYLOAD, headers), 200);
    assert.deepEqual(again, first);
    assert.equal((await storedDeliveries(server.db, hook.id)).length, 1);
  });

  it('stores ten identical deliveries arriving at once exactly once', async (t) => {
    const { server, hook } = await setUp(t);
    const headers = standardHeaders(hook.secret, 'msg_4');
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => postHook(server.url, '/hooks/billing', PAYLOAD, headers)),
    );
    const answers = await Promise.all(responses.map((response) => response.json()));
    const statuses = responses.map((response) => response.status).sort();
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 200, 200, 200, 200, 202]);
    const rows = await storedDeliveries(server.db, hook.id);
    assert.equal(rows.length, 1);
    for (const answer of answers) assert.deepEqual(answer, { id: rows[0].id, status: 'pending' });
  });

  it('stops answering for a hook as soon as it is removed', async (t) => {
    const { server, hook } = await setUp(t);
    await expectOk(await postHook(server.url, '/hooks/billing', PAYLOAD, standardHeaders(hook.secret, 'msg_5')), 202);
    await server.app.hooks.removeHook(OPERATOR, 'billing');
    const response = await postHook(server.url, '/hooks/billing', PAYLOAD, standardHeaders(hook.secret, 'msg_6'));
    await expectProblem(response, 404, 'not_found');
  });
});

describe('a hook whose secrets cannot be read', () => {
  it('answers 503 when ENDPOINT_SECRET_KEY changed since its secret was sealed, and stores nothing', async (t) => {
    const { server, hook } = await setUp(t);
    const rekeyed = await startTestServer(t, {
      databaseUrl: server.databaseUrl,
      env: { ENDPOINT_SECRET_KEY: 'another-secret-key-that-is-long-enough-987654', ENDPOINT_HOOK_WORKER: 'off' },
    });
    const response = await postHook(rekeyed.url, '/hooks/billing', PAYLOAD, standardHeaders(hook.secret, 'msg_k'));
    await expectProblem(response, 503, 'unavailable');
    assert.deepEqual(await storedDeliveries(server.db, hook.id), []);
  });

  it('tells a delivery to a removed hook by its foreign key, so a removal racing a call is a 404', async (t) => {
    const { server, hook } = await setUp(t);
    await server.app.hooks.removeHook(OPERATOR, 'billing');
    const orphan = server.db.insertInto('hook_deliveries').values({
      hook_id: hook.id,
      external_id: 'late',
      status: 'pending',
      next_attempt_at: new Date().toISOString(),
      received_at: new Date().toISOString(),
      content_type: JSON_TYPE,
      headers: '{}',
      body: Buffer.from(PAYLOAD),
      sender_ip: '127.0.0.1',
    });
    await assert.rejects(orphan.execute(), (error) => isForeignKeyViolation(error));
  });
});

describe('POST /hooks/:name with GitHub, Twilio and Stripe signatures', () => {
  it('stores a GitHub delivery signed by @octokit/webhooks-methods under its X-GitHub-Delivery', async (t) => {
    const server = await startTestServer(t);
    const hook = await addHook(server.app, 'gh', 'github');
    const headers = {
      'content-type': JSON_TYPE,
      'x-hub-signature-256': await signGithub(hook.secret, PAYLOAD),
      'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
      'x-github-event': 'issues',
    };
    await expectOk(await postHook(server.url, '/hooks/gh', PAYLOAD, headers), 202);
    const tampered = await postHook(server.url, '/hooks/gh', `${PAYLOAD} `, headers);
    await expectProblem(tampered, 401, 'signature_invalid');
    const [row, ...others] = await storedDeliveries(server.db, hook.id);
    assert.equal(others.length, 0);
    assert.equal(row.external_id, '72d3162e-cc78-11e3-81ab-4c9367dc0958');
    assert.equal(JSON.parse(row.headers)['x-github-event'], 'issues');
  });

  it('verifies a Twilio SMS over ENDPOINT_PUBLIC_URL and the path and query the server received', async (t) => {
    const publicUrl = 'https://endpoint.example.com';
    // The test calls the server by its loopback address, so that host is allowed beside the public one.
    const server = await startTestServer(t, {
      env: { ENDPOINT_PUBLIC_URL: publicUrl, ENDPOINT_ALLOWED_HOSTS: 'endpoint.example.com,127.0.0.1' },
    });
    const authToken = '0123456789abcdef0123456789abcdef';
    const hook = await addHook(server.app, 'sms', 'twilio', authToken);
    const sms = {
      AccountSid: 'AC0123456789abcdef0123456789abcdef',
      MessageSid: 'SM0123456789abcdef0123456789abcdef',
      From: '+15005550006',
      Body: 'Save https://example.org & www.example.net 🙂',
    };
    const path = '/hooks/sms?source=O%27Brien';
    const body = new URLSearchParams(sms).toString();
    const headers = {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilio.getExpectedTwilioSignature(authToken, publicUrl + path, sms),
    };
    await expectOk(await postHook(server.url, path, body, headers), 202);
    // Signed for the address the request came to, not the public one: refused.
    const local = {
      ...headers,
      'x-twilio-signature': twilio.getExpectedTwilioSignature(authToken, server.url + path, sms),
    };
    await expectProblem(await postHook(server.url, path, body, local), 401, 'signature_invalid');
    const [row, ...others] = await storedDeliveries(server.db, hook.id);
    assert.equal(others.length, 0);
    assert.equal(row.external_id, sms.MessageSid);
    assert.equal(Buffer.from(row.body).toString('utf8'), body);
  });

  it("verifies a Twilio call over the request's own scheme and host when ENDPOINT_PUBLIC_URL is unset", async (t) => {
    const server = await startTestServer(t);
    const authToken = 'fedcba9876543210fedcba9876543210';
    const hook = await addHook(server.app, 'voice', 'twilio', authToken);
    const call = { CallSid: 'CA0123456789abcdef0123456789abcdef', From: '+15005550006' };
    const headers = {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilio.getExpectedTwilioSignature(authToken, `${server.url}/hooks/voice`, call),
    };
    await expectOk(await postHook(server.url, '/hooks/voice', new URLSearchParams(call).toString(), headers), 202);
    const [row] = await storedDeliveries(server.db, hook.id);
    assert.equal(row.external_id, call.CallSid);
  });

  it('stores a Stripe event signed by the stripe library under its event id, and refuses a stale one', async (t) => {
    const server = await startTestServer(t);
    const hook = await addHook(server.app, 'stripe', 'stripe');
    const stripe = new Stripe('sk_test_unused');
    const payload = JSON.stringify({ id: 'evt_1Nq', object: 'event', type: 'charge.succeeded' });
    const signature = (timestamp: number) =>
      stripe.webhooks.generateTestHeaderString({ payload, secret: hook.secret, timestamp });
    const now = Math.floor(Date.now() / 1000);
    const stale = { 'content-type': JSON_TYPE, 'stripe-signature': signature(now - 600) };
    await expectProblem(await postHook(server.url, '/hooks/stripe', payload, stale), 401, 'timestamp_out_of_range');
    const fresh = { 'content-type': JSON_TYPE, 'stripe-signature': signature(now) };
    await expectOk(await postHook(server.url, '/hooks/stripe', payload, fresh), 202);
    const [row, ...others] = await storedDeliveries(server.db, hook.id);
    assert.equal(others.length, 0);
    assert.equal(row.external_id, 'evt_1Nq');
  });
});

describe('POST /hooks/:name refusals', () => {
  it('answers 404 for an unknown hook', async (t) => {
    const server = await startTestServer(t);
    const response = await postHook(server.url, '/hooks/nobody', PAYLOAD, { 'content-type': JSON_TYPE });
    await expectProblem(response, 404, 'not_found');
  });

  it('answers 400 for a hook name with a NUL character, which no hook can have', async (t) => {
    const server = await startTestServer(t);
    const response = await postHook(server.url, '/hooks/bill%00ing', PAYLOAD, { 'content-type': JSON_TYPE });
    await expectProblem(response, 400, 'validation_failed');
  });

  it('answers 415 for an unsupported content type or none, before the hook is looked up', async (t) => {
    const { server, hook } = await setUp(t);
    const signed = standardHeaders(hook.secret, 'msg_7');
    for (const contentType of ['application/xml', 'multipart/form-data; boundary=x', 'application/octet-stream']) {
      const response = await postHook(server.url, '/hooks/billing', PAYLOAD, {
        ...signed,
        'content-type': contentType,
      });
      await expectProblem(response, 415, 'unsupported_media_type');
    }
    const { 'content-type': _none, ...withoutType } = signed;
    const bare = await fetch(`${server.url}/hooks/billing`, { method: 'POST', headers: withoutType });
    await expectProblem(bare, 415, 'unsupported_media_type');
    assert.equal((await storedDeliveries(server.db, hook.id)).length, 0);
  });

  it('answers 400 for a signed delivery whose id the inbox cannot hold, storing nothing', async (t) => {
    const { server, hook } = await setUp(t);
    const response = await postHook(
      server.url,
      '/hooks/billing',
      PAYLOAD,
      standardHeaders(hook.secret, 'm'.repeat(256)),
    );
    await expectProblem(response, 400, 'bad_request');
    const authToken = '0123456789abcdef0123456789abcdef';
    const sms = await addHook(server.app, 'sms', 'twilio', authToken);
    const params = { MessageSid: 'SM\0', Body: 'hi' };
    const headers = {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilio.getExpectedTwilioSignature(authToken, `${server.url}/hooks/sms`, params),
    };
    const nul = await postHook(server.url, '/hooks/sms', new URLSearchParams(params).toString(), headers);
    await expectProblem(nul, 400, 'bad_request');
    assert.equal((await storedDeliveries(server.db, hook.id)).length, 0);
    assert.equal((await storedDeliveries(server.db, sms.id)).length, 0);
  });

  it('answers 413 for a body over ENDPOINT_BODY_LIMIT', async (t) => {
    const { server, hook } = await setUp(t, { ENDPOINT_BODY_LIMIT: '2048' });
    const payload = JSON.stringify({ data: 'x'.repeat(4096) });
    const response = await postHook(
      server.url,
      '/hooks/billing',
      payload,
      standardHeaders(hook.secret, 'msg_8', payload),
    );
    await expectProblem(response, 413, 'payload_too_large');
    assert.equal((await storedDeliveries(server.db, hook.id)).length, 0);
  });
});

describe('hook secrets at rest', () => {
  it('are stored sealed: the plaintext appears nowhere in the hooks row', async (t) => {
    const server = await startTestServer(t);
    const hook = await addHook(server.app, 'sealed', 'github', 'a-very-recognisable-github-secret');
    const row = await server.db.selectFrom('hooks').selectAll().where('id', '=', hook.id).executeTakeFirstOrThrow();
    assert.doesNotMatch(JSON.stringify(row), /recognisable/);
    const [current, ...older] = JSON.parse(row.secrets);
    assert.equal(older.length, 0);
    assert.match(current.sealed, /^v1\./);
    assert.equal(current.expires_at, null);
  });
});
