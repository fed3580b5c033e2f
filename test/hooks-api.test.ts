import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it, type TestContext } from 'node:test';
import { sign as signGithub } from '@octokit/webhooks-methods';
import type { Db } from '../src/core/db.ts';
import { expectOk, expectProblem } from './helpers/api.ts';
import { createHooksService, createSecretBox } from './helpers/built.ts';
import { addHook, postHook, signedHeaders, storedDeliveries } from './helpers/hooks.ts';
import { Client } from './helpers/http.ts';
import { startTestServer, TEST_SECRET_KEY } from './helpers/server.ts';
import { createUser, OPERATOR, PASSWORD } from './helpers/users.ts';

const DELIVERY_FIELDS = [
  'attempts',
  'content_type',
  'external_id',
  'hook',
  'id',
  'last_error',
  'processed_at',
  'received_at',
  'sender_ip',
  'status',
];

/**
 * A server with a GitHub hook `gh`, an admin holding every permission, a viewer holding
 * hooks.view and a user holding nothing.
 */
async function setUp(t: TestContext) {
  // No worker: the status filter is tested on statuses set here.
  const server = await startTestServer(t, { env: { ENDPOINT_HOOK_WORKER: 'off' } });
  const hook = await addHook(server.app, 'gh', 'github');
  await createUser(server.app, 'boss', { groups: ['admin'] });
  await createUser(server.app, 'viewer', { groups: ['ops'], permissions: ['hooks.view'] });
  await createUser(server.app, 'nobody');
  const admin = new Client(server.url);
  const viewer = new Client(server.url);
  const nobody = new Client(server.url);
  await admin.login('boss', PASSWORD);
  await viewer.login('viewer', PASSWORD);
  await nobody.login('nobody', PASSWORD);
  /** Sends a delivery signed for `gh` and returns its id. */
  const deliver = async (externalId: string, body: string | Uint8Array = `{"n":"${externalId}"}`) => {
    // The library signs text only; bytes that are not UTF-8 are signed by GitHub's documented scheme.
    const signature =
      typeof body === 'string'
        ? await signGithub(hook.secret, body)
        : `sha256=${createHmac('sha256', hook.secret).update(body).digest('hex')}`;
    const headers = {
      'content-type': 'application/json',
      'x-hub-signature-256': signature,
      'x-github-delivery': externalId,
    };
    return (await expectOk(await postHook(server.url, '/hooks/gh', body, headers), 202)).id as number;
  };
  return { server, hook, admin, viewer, nobody, anonymous: new Client(server.url), deliver };
}

function hooksTable(db: Db) {
  return db.selectFrom('hooks').selectAll().orderBy('id').execute();
}

const HOOK_FIELDS = ['created_at', 'handler', 'id', 'legacy_path', 'name', 'verify'];

describe('hooks and deliveries API', () => {
  it('lists hooks without their secrets', async (t) => {
    const { hook, viewer } = await setUp(t);
    const list = await expectOk(await viewer.get('/api/v1/hooks'));
    assert.equal(list.total, 1);
    assert.deepEqual(Object.keys(list.items[0]).sort(), HOOK_FIELDS);
    assert.equal(list.items[0].verify, 'github');
    assert.ok(!JSON.stringify(list).includes(hook.secret));
  });

  it("lists a hook's deliveries newest first, filtered by status, page by page", async (t) => {
    const { server, hook, viewer, deliver } = await setUp(t);
    const ids: number[] = [];
    for (const externalId of ['d1', 'd2', 'd3', 'd4']) ids.push(await deliver(externalId));
    await server.db
      .updateTable('hook_deliveries')
      .set({ status: 'done' })
      .where('id', 'in', [ids[0], ids[2]])
      .execute();

    const all = await expectOk(await viewer.get('/api/v1/hooks/gh/deliveries'));
    assert.deepEqual(
      all.items.map((delivery: { id: number }) => delivery.id),
      [...ids].reverse(),
    );
    assert.deepEqual({ total: all.total, limit: all.limit, offset: all.offset }, { total: 4, limit: 50, offset: 0 });
    assert.deepEqual(Object.keys(all.items[0]).sort(), DELIVERY_FIELDS);
    assert.equal(all.items[0].hook, 'gh');
    assert.equal(all.items[0].external_id, 'd4');

    const done = await expectOk(await viewer.get('/api/v1/hooks/gh/deliveries?status=done'));
    assert.deepEqual(
      done.items.map((delivery: { id: number }) => delivery.id),
      [ids[2], ids[0]],
    );
    assert.equal(done.total, 2);

    const page = await expectOk(await viewer.get('/api/v1/hooks/gh/deliveries?limit=2&offset=1'));
    assert.deepEqual(
      page.items.map((delivery: { id: number }) => delivery.id),
      [ids[2], ids[1]],
    );
    assert.deepEqual({ total: page.total, limit: page.limit, offset: page.offset }, { total: 4, limit: 2, offset: 1 });
    assert.equal((await storedDeliveries(server.db, hook.id)).length, 4);
  });

  it('keeps only the listed headers of a delivery: never a signature, credential or header it does not know', async (t) => {
    const { server, hook, viewer } = await setUp(t);
    const body = '{"zen":"Keep it logically awesome."}';
    const kept = {
      'content-type': 'application/json',
      'user-agent': 'GitHub-Hookshot/abc123',
      'x-github-delivery': 'kept-1',
      'x-github-event': 'ping',
      'x-github-hook-id': '42',
      'x-github-hook-installation-target-id': '7',
      'x-github-hook-installation-target-type': 'repository',
      'idempotency-key': 'idem-1',
      'x-request-id': 'req-1',
    };
    const dropped = {
      'x-hub-signature-256': await signGithub(hook.secret, body),
      'x-hub-signature': 'sha1=0123',
      'x-shopify-hmac-sha256': 'c2hvcGlmeS1zaWduYXR1cmU=',
      'x-custom-signature': 'custom-signature',
      'x-custom-note': 'not on the list',
      cookie: 'endpoint_session=abc',
      authorization: 'Bearer ep_secret',
    };
    const { id } = await expectOk(await postHook(server.url, '/hooks/gh', body, { ...kept, ...dropped }), 202);
    const delivery = await expectOk(await viewer.get(`/api/v1/deliveries/${id}`));
    assert.deepEqual(delivery.headers, kept);
  });

  it('shows a delivery with its headers and body, as text when UTF-8 and base64 otherwise', async (t) => {
    const { viewer, deliver } = await setUp(t);
    const textId = await deliver('text', '{"note":"café ✓"}');
    const text = await expectOk(await viewer.get(`/api/v1/deliveries/${textId}`));
    assert.equal(text.body, '{"note":"café ✓"}');
    assert.equal(text.body_encoding, 'utf8');
    assert.equal(text.headers['x-github-delivery'], 'text');
    assert.equal(text.headers['x-hub-signature-256'], undefined);

    const bytes = new Uint8Array([0xff, 0xfe, 0x00, 0x41]);
    const binaryId = await deliver('binary', bytes);
    const binary = await expectOk(await viewer.get(`/api/v1/deliveries/${binaryId}`));
    assert.equal(binary.body_encoding, 'base64');
    assert.deepEqual(Buffer.from(binary.body, 'base64'), Buffer.from(bytes));
  });

  it('answers 401 to anonymous callers, 403 without hooks.view, 404 for what is not there, 400 for bad input', async (t) => {
    const { viewer, nobody, anonymous, deliver } = await setUp(t);
    const id = await deliver('d1');
    for (const path of ['/api/v1/hooks', '/api/v1/hooks/gh/deliveries', `/api/v1/deliveries/${id}`]) {
      await expectProblem(await anonymous.get(path), 401, 'unauthenticated');
      await expectProblem(await nobody.get(path), 403, 'forbidden');
    }
    await expectProblem(await viewer.get('/api/v1/hooks/nope/deliveries'), 404, 'not_found');
    await expectProblem(await viewer.get(`/api/v1/deliveries/${id + 1000}`), 404, 'not_found');
    await expectProblem(await viewer.get('/api/v1/deliveries/abc'), 400, 'validation_failed');
    await expectProblem(await viewer.get('/api/v1/hooks/gh/deliveries?status=lost'), 400, 'validation_failed');
    await expectProblem(await viewer.get('/api/v1/hooks/gh/deliveries?limit=0'), 400, 'validation_failed');
  });
});

describe('hooks CRUD', () => {
  it('creates a hook and shows a generated secret in that answer only; deliveries signed with it land', async (t) => {
    const { server, admin } = await setUp(t);
    const created = await expectOk(
      await admin.post('/api/v1/hooks', { name: 'billing', handler: 'inbox', verify: 'standard' }),
      201,
    );
    assert.deepEqual(Object.keys(created).sort(), [...HOOK_FIELDS, 'secret'].sort());
    assert.match(created.secret, /^whsec_[A-Za-z0-9+/]{32}$/);
    assert.deepEqual(
      { name: created.name, handler: created.handler, verify: created.verify, legacy_path: created.legacy_path },
      { name: 'billing', handler: 'inbox', verify: 'standard', legacy_path: null },
    );
    const read = await expectOk(await admin.get('/api/v1/hooks/billing'));
    const { secret: _shownOnce, ...hookFields } = created;
    assert.deepEqual(read, hookFields);
    const listed = await expectOk(await admin.get('/api/v1/hooks'));
    assert.ok(!JSON.stringify([read, listed]).includes(created.secret.slice(6)));

    const payload = '{"type":"ping"}';
    const headers = await signedHeaders('standard', created.secret, 'msg_api', payload);
    await expectOk(await postHook(server.url, '/hooks/billing', payload, headers), 202);
    assert.equal((await storedDeliveries(server.db, created.id)).length, 1);
  });

  it('never shows a secret that was given, and keeps the legacy path', async (t) => {
    const { admin } = await setUp(t);
    const authToken = '0123456789abcdef0123456789abcdef';
    const body = { name: 'sms', handler: 'inbox', verify: 'twilio', secret: authToken, path: '/twilio/sms' };
    const created = await expectOk(await admin.post('/api/v1/hooks', body), 201);
    assert.equal(created.secret, undefined);
    assert.equal(created.legacy_path, '/twilio/sms');
    assert.ok(!JSON.stringify(created).includes(authToken));
  });

  it('changes the legacy path and handler; a new verify mode brings its own secret, shown once', async (t) => {
    const { server, admin } = await setUp(t);
    const created = await expectOk(
      await admin.post('/api/v1/hooks', { name: 'billing', handler: 'inbox', verify: 'standard' }),
      201,
    );
    const moved = await expectOk(
      await admin.patch('/api/v1/hooks/billing', { path: '/old/billing', handler: 'inbox' }),
    );
    assert.equal(moved.legacy_path, '/old/billing');
    assert.equal(moved.secret, undefined);
    const unmoved = await expectOk(await admin.patch('/api/v1/hooks/billing', { path: null }));
    assert.equal(unmoved.legacy_path, null);
    assert.deepEqual(await expectOk(await admin.patch('/api/v1/hooks/billing', {})), unmoved);

    const switched = await expectOk(await admin.patch('/api/v1/hooks/billing', { verify: 'github' }));
    assert.equal(switched.verify, 'github');
    assert.match(switched.secret, /^[0-9a-f]{64}$/);
    assert.equal((await expectOk(await admin.get('/api/v1/hooks/billing'))).verify, 'github');
    // The standard secret went with the standard scheme; the new one verifies GitHub signatures.
    const payload = '{"action":"opened"}';
    const old = await signedHeaders('standard', created.secret, 'msg_old', payload);
    await expectProblem(await postHook(server.url, '/hooks/billing', payload, old), 401, 'signature_invalid');
    const github = {
      'content-type': 'application/json',
      'x-hub-signature-256': await signGithub(switched.secret, payload),
      'x-github-delivery': 'gh-1',
    };
    await expectOk(await postHook(server.url, '/hooks/billing', payload, github), 202);

    const given = await expectOk(
      await admin.patch('/api/v1/hooks/billing', { verify: 'twilio', secret: 'fedcba9876543210fedcba9876543210' }),
    );
    assert.equal(given.secret, undefined);
    assert.equal(given.verify, 'twilio');
  });

  it('deletes a hook with every delivery it holds', async (t) => {
    const { server, hook, admin, deliver } = await setUp(t);
    const id = await deliver('d1');
    const deleted = await admin.delete('/api/v1/hooks/gh');
    assert.equal(deleted.status, 204);
    assert.equal(await deleted.text(), '');
    await expectProblem(await admin.get('/api/v1/hooks/gh'), 404, 'not_found');
    await expectProblem(await admin.get(`/api/v1/deliveries/${id}`), 404, 'not_found');
    assert.deepEqual(await storedDeliveries(server.db, hook.id), []);
    await expectProblem(await admin.delete('/api/v1/hooks/gh'), 404, 'not_found');
  });

  it('refuses each change without its permission (401/403 before 400), conflicts and bad input, changing nothing', async (t) => {
    const { server, admin, viewer, anonymous } = await setUp(t);
    const sms = {
      name: 'sms',
      handler: 'inbox',
      verify: 'twilio',
      secret: '0123456789abcdef0123456789abcdef',
      path: '/twilio/sms',
    };
    await expectOk(await admin.post('/api/v1/hooks', sms), 201);
    const before = await hooksTable(server.db);
    const clients = { admin, viewer, anonymous };
    const valid = { name: 'new', handler: 'inbox', verify: 'github' };
    const scenarios: [keyof typeof clients, string, string, unknown, number, string][] = [
      ['anonymous', 'POST', '/api/v1/hooks', { bad: 1 }, 401, 'unauthenticated'],
      ['anonymous', 'GET', '/api/v1/hooks/gh', undefined, 401, 'unauthenticated'],
      ['anonymous', 'PATCH', '/api/v1/hooks/gh', { bad: 1 }, 401, 'unauthenticated'],
      ['anonymous', 'DELETE', '/api/v1/hooks/gh', undefined, 401, 'unauthenticated'],
      ['viewer', 'POST', '/api/v1/hooks', { bad: 1 }, 403, 'forbidden'],
      ['viewer', 'PATCH', '/api/v1/hooks/gh', { bad: 1 }, 403, 'forbidden'],
      ['viewer', 'DELETE', '/api/v1/hooks/gh', undefined, 403, 'forbidden'],
      ['admin', 'POST', '/api/v1/hooks', { ...valid, name: 'gh' }, 409, 'conflict'],
      ['admin', 'POST', '/api/v1/hooks', { ...valid, path: '/twilio/sms' }, 409, 'conflict'],
      ['admin', 'PATCH', '/api/v1/hooks/gh', { path: '/twilio/sms' }, 409, 'conflict'],
      ['admin', 'POST', '/api/v1/hooks', { ...valid, name: 'bad name' }, 400, 'bad_request'],
      ['admin', 'POST', '/api/v1/hooks', { ...valid, handler: 'nope' }, 400, 'bad_request'],
      ['admin', 'POST', '/api/v1/hooks', { ...valid, verify: 'pigeon' }, 400, 'validation_failed'],
      ['admin', 'POST', '/api/v1/hooks', { ...valid, verify: 'twilio' }, 400, 'bad_request'],
      ['admin', 'POST', '/api/v1/hooks', { ...valid, verify: 'standard', secret: 'not base64!' }, 400, 'bad_request'],
      ['admin', 'POST', '/api/v1/hooks', { ...valid, verify: 'standard', secret: 'whsec_AA==' }, 400, 'bad_request'],
      ['admin', 'POST', '/api/v1/hooks', { ...valid, secret: 'x' }, 400, 'bad_request'],
      ['admin', 'POST', '/api/v1/hooks', { ...valid, verify: 'stripe', secret: 'whsec_short' }, 400, 'bad_request'],
      ['admin', 'POST', '/api/v1/hooks', { ...valid, verify: 'twilio', secret: 't' }, 400, 'bad_request'],
      ['admin', 'PATCH', '/api/v1/hooks/gh', { verify: 'standard', secret: 'whsec_AA==' }, 400, 'bad_request'],
      ['admin', 'PATCH', '/api/v1/hooks/gh', { verify: 'twilio', secret: 'AC0123' }, 400, 'bad_request'],
      ['admin', 'POST', '/api/v1/hooks', { ...valid, path: '/api/x' }, 400, 'bad_request'],
      ['admin', 'POST', '/api/v1/hooks', { name: 'x' }, 400, 'validation_failed'],
      ['admin', 'PATCH', '/api/v1/hooks/gh', { secret: 'new-secret' }, 400, 'bad_request'],
      ['admin', 'PATCH', '/api/v1/hooks/gh', { verify: 'twilio' }, 400, 'bad_request'],
      ['admin', 'PATCH', '/api/v1/hooks/gh', { path: 'relative' }, 400, 'bad_request'],
      ['admin', 'PATCH', '/api/v1/hooks/gh', { handler: 'nope' }, 400, 'bad_request'],
      ['admin', 'PATCH', '/api/v1/hooks/nope', { path: '/x' }, 404, 'not_found'],
    ];
    for (const [as, method, path, json, status, code] of scenarios) {
      await t.test(`${as} ${method} ${path} ${JSON.stringify(json) ?? ''}: ${status} ${code}`, async () => {
        await expectProblem(await clients[as].request(path, { method, json }), status, code);
      });
    }
    assert.deepEqual(await hooksTable(server.db), before);
  });
});

describe('replaying a delivery', () => {
  /** Marks a delivery as run three times, failed, with its attempt rows written as the worker would. */
  async function failThrice(db: Db, id: number) {
    const at = (minute: number, second = 0) => new Date(Date.UTC(2026, 0, 1, 12, minute, second)).toISOString();
    await db
      .updateTable('hook_deliveries')
      .set({ status: 'failed', attempts: 3, last_error: 'boom', processed_at: at(9), next_attempt_at: at(9) })
      .where('id', '=', id)
      .execute();
    // Inserted out of order: the log is ordered by start, not by insertion.
    for (const attempt of [2, 1, 3]) {
      await db
        .insertInto('hook_attempts')
        .values({
          delivery_id: id,
          attempt,
          started_at: at(attempt),
          finished_at: at(attempt, 5),
          outcome: attempt === 1 ? 'ok' : 'error',
          error: attempt === 1 ? null : `boom ${attempt}`,
        })
        .execute();
    }
  }

  it("shows a delivery's attempt log oldest first", async (t) => {
    const { server, viewer, deliver } = await setUp(t);
    const id = await deliver('d1');
    assert.deepEqual((await expectOk(await viewer.get(`/api/v1/deliveries/${id}`))).attempt_log, []);
    await failThrice(server.db, id);
    const detail = await expectOk(await viewer.get(`/api/v1/deliveries/${id}`));
    assert.deepEqual(detail.attempt_log, [
      {
        attempt: 1,
        started_at: '2026-01-01T12:01:00.000Z',
        finished_at: '2026-01-01T12:01:05.000Z',
        outcome: 'ok',
        error: null,
      },
      {
        attempt: 2,
        started_at: '2026-01-01T12:02:00.000Z',
        finished_at: '2026-01-01T12:02:05.000Z',
        outcome: 'error',
        error: 'boom 2',
      },
      {
        attempt: 3,
        started_at: '2026-01-01T12:03:00.000Z',
        finished_at: '2026-01-01T12:03:05.000Z',
        outcome: 'error',
        error: 'boom 3',
      },
    ]);
    assert.deepEqual({ status: detail.status, attempts: detail.attempts }, { status: 'failed', attempts: 3 });
  });

  it('sets a delivery pending again with 0 attempts, due now and its error cleared, keeping its log', async (t) => {
    const { server, admin, deliver } = await setUp(t);
    const id = await deliver('d1');
    await failThrice(server.db, id);
    const before = Date.now();
    const replayed = await expectOk(await admin.post(`/api/v1/deliveries/${id}/replay`), 202);
    assert.deepEqual(Object.keys(replayed).sort(), DELIVERY_FIELDS);
    assert.deepEqual(
      { id: replayed.id, status: replayed.status, attempts: replayed.attempts, last_error: replayed.last_error },
      { id, status: 'pending', attempts: 0, last_error: null },
    );
    assert.equal(replayed.processed_at, null);
    const row = await server.db
      .selectFrom('hook_deliveries')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    const due = Date.parse(row.next_attempt_at);
    assert.ok(due >= before - 1000 && due <= Date.now(), row.next_attempt_at);
    const detail = await expectOk(await admin.get(`/api/v1/deliveries/${id}`));
    assert.equal(detail.attempt_log.length, 3);
    // Replaying a pending delivery is harmless: it is simply due now.
    await expectOk(await admin.post(`/api/v1/deliveries/${id}/replay`), 202);
  });

  it('refuses while the delivery is being processed (409), without permission, or for a missing one', async (t) => {
    const { server, admin, viewer, anonymous, deliver } = await setUp(t);
    const id = await deliver('d1');
    await server.db
      .updateTable('hook_deliveries')
      .set({ status: 'processing', attempts: 1 })
      .where('id', '=', id)
      .execute();
    const before = await server.db.selectFrom('hook_deliveries').selectAll().where('id', '=', id).execute();
    await expectProblem(await admin.post(`/api/v1/deliveries/${id}/replay`), 409, 'conflict');
    await expectProblem(await anonymous.post(`/api/v1/deliveries/${id}/replay`), 401, 'unauthenticated');
    await expectProblem(await viewer.post(`/api/v1/deliveries/${id}/replay`), 403, 'forbidden');
    await expectProblem(await viewer.post('/api/v1/deliveries/abc/replay'), 403, 'forbidden');
    await expectProblem(await admin.post(`/api/v1/deliveries/${id + 1000}/replay`), 404, 'not_found');
    await expectProblem(await admin.post('/api/v1/deliveries/abc/replay'), 400, 'validation_failed');
    assert.deepEqual(await server.db.selectFrom('hook_deliveries').selectAll().where('id', '=', id).execute(), before);
  });

  it("wakes the worker through the service's onPending, only when the delivery was reset", async (t) => {
    const { server, deliver } = await setUp(t);
    const id = await deliver('d1');
    let woken = 0;
    const hooks = createHooksService(server.db, {
      audit: server.app.audit,
      secretBox: createSecretBox(TEST_SECRET_KEY),
      handlers: server.app.hookHandlers,
      onPending: () => {
        woken += 1;
      },
    });
    await hooks.replayDelivery(OPERATOR, id);
    assert.equal(woken, 1);
    await server.db.updateTable('hook_deliveries').set({ status: 'processing' }).where('id', '=', id).execute();
    await assert.rejects(hooks.replayDelivery(OPERATOR, id), { code: 'conflict' });
    await assert.rejects(hooks.replayDelivery(OPERATOR, id + 1000), { code: 'not_found' });
    assert.equal(woken, 1);
  });
});
