import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { expectOk, expectProblem } from './helpers/api.ts';
import { postHook, signedHeaders, storedDeliveries, twilioHeaders } from './helpers/hooks.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';
import { createUser, OPERATOR } from './helpers/users.ts';

// The cases the issue asks of every verification mode, over HTTP, each call made as the sender's
// own library makes it. Every body says "hello", so a tampered one says "jello".

interface Call {
  body: string;
  headers: Record<string, string>;
}

interface Sender {
  /** Makes hook `h` in this mode; answers what callers sign with (for `token`, the API token). */
  create(server: TestServer): Promise<string>;
  /** A call with delivery id `id`, made at `sentAt`. */
  sign(server: TestServer, secret: string, id: string, sentAt: Date): Promise<Call>;
  /** A new secret; with overlap 0s the older ones stop working at once. */
  rotate(server: TestServer, overlap: '24h' | '0s'): Promise<string>;
  /** The header without which the call is unverifiable. */
  header: string;
  /** What a bad or missing credential gets. */
  refusal: { status: number; code: string };
  /** Whether the scheme signs a time (then a stale call is refused). */
  timestamped: boolean;
  /** Whether the scheme signs the body (then a tampered one is refused). */
  signsBody: boolean;
}

const JSON_TYPE = 'application/json';
const SIGNATURE_INVALID = { status: 401, code: 'signature_invalid' };

function jsonSender(mode: 'standard' | 'github' | 'stripe', header: string, timestamped: boolean): Sender {
  return {
    create: async (server) =>
      (await server.app.hooks.createHook(OPERATOR, { name: 'h', handler: 'inbox', verify: mode })).generatedSecret ??
      '',
    sign: async (_server, secret, id, sentAt) => {
      // Stripe's event id is in the body; the others' id is a header.
      const body = JSON.stringify({ id, object: 'event', note: 'hello' });
      return { body, headers: await signedHeaders(mode, secret, id, body, sentAt) };
    },
    rotate: async (server, overlap) =>
      (await server.app.hooks.rotateSecret(OPERATOR, 'h', { overlap })).generatedSecret ?? '',
    header,
    refusal: SIGNATURE_INVALID,
    timestamped,
    signsBody: true,
  };
}

// Twilio makes the auth token, and Endpoint is told it.
const twilioToken = () => randomBytes(16).toString('hex');

const twilioSender = (): Sender => ({
  create: async (server) => {
    const secret = twilioToken();
    await server.app.hooks.createHook(OPERATOR, { name: 'h', handler: 'inbox', verify: 'twilio', secret });
    return secret;
  },
  sign: async (server, secret, id) => {
    const params = { AccountSid: 'AC0123456789abcdef0123456789abcdef', MessageSid: id, Body: 'hello' };
    return {
      body: new URLSearchParams(params).toString(),
      headers: twilioHeaders(secret, `${server.url}/hooks/h`, params),
    };
  },
  rotate: async (server, overlap) => {
    const secret = twilioToken();
    await server.app.hooks.rotateSecret(OPERATOR, 'h', { secret, overlap });
    return secret;
  },
  header: 'x-twilio-signature',
  refusal: SIGNATURE_INVALID,
  timestamped: false,
  signsBody: true,
});

function tokenSender(): Sender {
  let callerId = 0;
  const issued: number[] = [];
  const issue = async (server: TestServer) => {
    const created = await server.app.tokens.create(OPERATOR, callerId, {
      name: `key ${issued.length}`,
      scopes: ['hooks.call'],
    });
    issued.push(created.id);
    return created.token;
  };
  return {
    create: async (server) => {
      await server.app.hooks.createHook(OPERATOR, { name: 'h', handler: 'inbox', verify: 'token' });
      callerId = (await createUser(server.app, 'caller', { groups: ['callers'], permissions: ['hooks.call'] })).id;
      return issue(server);
    },
    sign: async (_server, token, id) => ({
      body: '{"note":"hello"}',
      headers: { 'content-type': JSON_TYPE, authorization: `Bearer ${token}`, 'idempotency-key': id },
    }),
    // A token hook has no secret: its callers' tokens are what is rotated, and revoked when done.
    rotate: async (server, overlap) => {
      const older = [...issued];
      const token = await issue(server);
      if (overlap === '0s') for (const id of older) await server.app.tokens.revoke(OPERATOR, id);
      return token;
    },
    header: 'authorization',
    refusal: { status: 401, code: 'unauthenticated' },
    timestamped: false,
    signsBody: false,
  };
}

// Factories: a token sender keeps the tokens it issued on its server.
const SENDERS: Record<string, () => Sender> = {
  standard: () => jsonSender('standard', 'webhook-signature', true),
  github: () => jsonSender('github', 'x-hub-signature-256', false),
  twilio: twilioSender,
  stripe: () => jsonSender('stripe', 'stripe-signature', true),
  token: tokenSender,
};

describe('every verification mode over HTTP', () => {
  for (const [mode, makeSender] of Object.entries(SENDERS)) {
    it(`${mode}: valid, tampered body, wrong secret, missing header, stale timestamp, replayed id, rotated secret`, async (t) => {
      // No worker: each answer's status is the one receiving gave it.
      const server = await startTestServer(t, { env: { ENDPOINT_HOOK_WORKER: 'off' } });
      const sender = makeSender();
      const secret = await sender.create(server);
      // Another server's hook secret (or token): the right shape, for the wrong hook.
      const stranger = await makeSender().create(await startTestServer(t));
      const hookId = (await server.app.hooks.getHook('h')).id;
      const send = (call: Call) => postHook(server.url, '/hooks/h', call.body, call.headers);
      let ids = 0;
      const fresh = (key = secret, sentAt = new Date()) => sender.sign(server, key, `${mode}_${++ids}`, sentAt);

      await t.test('valid: 202, stored', async () => {
        const answer = await expectOk(await send(await fresh()), 202);
        assert.equal(answer.status, 'pending');
      });
      await t.test('tampered body', async () => {
        const call = await fresh();
        const response = await send({ ...call, body: call.body.replace('hello', 'jello') });
        if (sender.signsBody) await expectProblem(response, 401, 'signature_invalid');
        // A token call signs nothing: the body is what TLS delivered, and is stored as sent.
        else await expectOk(response, 202);
      });
      await t.test('wrong secret', async () => {
        await expectProblem(await send(await fresh(stranger)), sender.refusal.status, sender.refusal.code);
      });
      await t.test('missing header', async () => {
        const call = await fresh();
        const { [sender.header]: _missing, ...headers } = call.headers;
        await expectProblem(await send({ ...call, headers }), sender.refusal.status, sender.refusal.code);
      });
      if (sender.timestamped) {
        await t.test('stale timestamp', async () => {
          for (const minutes of [-10, 10]) {
            const call = await fresh(secret, new Date(Date.now() + minutes * 60_000));
            await expectProblem(await send(call), 401, 'timestamp_out_of_range');
          }
        });
      }
      await t.test('replayed id: 200 with the first delivery, nothing stored', async () => {
        const id = `${mode}_replayed`;
        const first = await expectOk(await send(await sender.sign(server, secret, id, new Date())), 202);
        const again = await expectOk(await send(await sender.sign(server, secret, id, new Date())), 200);
        assert.deepEqual(again, first);
      });
      await t.test('rotated secret: old and new during the overlap, only the new after', async () => {
        const rotated = await sender.rotate(server, '24h');
        await expectOk(await send(await fresh(secret)), 202);
        await expectOk(await send(await fresh(rotated)), 202);
        const latest = await sender.rotate(server, '0s');
        for (const old of [secret, rotated]) {
          await expectProblem(await send(await fresh(old)), sender.refusal.status, sender.refusal.code);
        }
        await expectOk(await send(await fresh(latest)), 202);
      });

      // valid, tampered (token only), replayed, and three during/after rotation.
      const stored = await storedDeliveries(server.db, hookId);
      assert.equal(stored.length, sender.signsBody ? 5 : 6);
      assert.equal(new Set(stored.map((row) => row.external_id)).size, stored.length);
    });
  }
});
