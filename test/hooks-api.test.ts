import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it, type TestContext } from 'node:test';
import { sign as signGithub } from '@octokit/webhooks-methods';
import { expectOk, expectProblem } from './helpers/api.ts';
import { addHook, postHook, storedDeliveries } from './helpers/hooks.ts';
import { Client } from './helpers/http.ts';
import { startTestServer } from './helpers/server.ts';
import { createUser, PASSWORD } from './helpers/users.ts';

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

/** A server with a GitHub hook `gh`, a viewer holding hooks.view and a user holding nothing. */
async function setUp(t: TestContext) {
  // No worker: the status filter is tested on statuses set here.
  const server = await startTestServer(t, { env: { ENDPOINT_HOOK_WORKER: 'off' } });
  const hook = await addHook(server.app, 'gh', 'github');
  await createUser(server.app, 'viewer', { groups: ['ops'], permissions: ['hooks.view'] });
  await createUser(server.app, 'nobody');
  const viewer = new Client(server.url);
  const nobody = new Client(server.url);
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
  return { server, hook, viewer, nobody, anonymous: new Client(server.url), deliver };
}

describe('hooks and deliveries API', () => {
  it('lists hooks without their secrets', async (t) => {
    const { hook, viewer } = await setUp(t);
    const list = await expectOk(await viewer.get('/api/v1/hooks'));
    assert.equal(list.total, 1);
    assert.deepEqual(Object.keys(list.items[0]).sort(), [
      'created_at',
      'handler',
      'id',
      'legacy_path',
      'name',
      'verify',
    ]);
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
