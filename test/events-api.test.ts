import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectOk, expectProblem } from './helpers/api.ts';
import { onlyEntry } from './helpers/audit.ts';
import { eventsServer, subscribe } from './helpers/events.ts';
import { Client } from './helpers/http.ts';
import { pollUntil } from './helpers/process.ts';
import { startReceiver } from './helpers/receiver.ts';
import { startTestServer } from './helpers/server.ts';
import { adminNobodyAnonymous, createUser, PASSWORD } from './helpers/users.ts';

const PATH = '/api/v1/subscriptions';

describe('the subscriptions API', () => {
  it('creates, reads, changes and deletes a subscription, with an audit entry each, never showing the secret again', async (t) => {
    const { server, admin } = await eventsServer(t);
    const receiver = await startReceiver(t);
    const created = await subscribe(admin, receiver.url, ['user.created', 'token.created']);
    assert.match(created.secret, /^whsec_[A-Za-z0-9+/]{32}$/);
    assert.deepEqual(created.event_types, ['token.created', 'user.created']);

    const read = await expectOk(await admin.get(`${PATH}/${created.id}`));
    assert.equal(read.secret, undefined);
    const listed = await expectOk(await admin.get(PATH));
    assert.equal(listed.total, 1);
    assert.ok(!JSON.stringify(listed).includes(created.secret));
    const stored = await server.db.selectFrom('event_subscriptions').select('secrets').executeTakeFirstOrThrow();
    assert.ok(!stored.secrets.includes(created.secret.slice(6)), 'the secret is sealed at rest');

    const changed = await expectOk(
      await admin.patch(`${PATH}/${created.id}`, { description: 'crm', event_types: ['*'], enabled: false }),
    );
    assert.deepEqual([changed.description, changed.event_types, changed.enabled], ['crm', ['*'], false]);
    assert.equal(changed.disabled_reason, 'by hand');
    const enabled = await expectOk(await admin.patch(`${PATH}/${created.id}`, { enabled: true }));
    assert.equal(enabled.disabled_reason, null);

    await expectOk(await admin.delete(`${PATH}/${created.id}`), 204);
    await expectProblem(await admin.get(`${PATH}/${created.id}`), 404, 'not_found');
    for (const action of ['subscription.created', 'subscription.deleted']) {
      await onlyEntry(server.db, action, `subscription:${created.id}`);
    }
    const types = await expectOk(await admin.get('/api/v1/event-types'));
    assert.ok(types.items.some((type: any) => type.name === 'user.created' && type.permission === 'users.view'));
  });

  it('lists every event type with its message shape in the OpenAPI document', async (t) => {
    const server = await startTestServer(t);
    const document = (await (await fetch(`${server.url}/api/openapi.json`)).json()) as {
      components: { schemas: Record<string, { properties: object }> };
      paths: Record<string, Record<string, unknown>>;
    };
    for (const type of [
      'user.created',
      'user.updated',
      'user.deleted',
      'group.member_added',
      'group.member_removed',
      'token.created',
      'token.revoked',
      'hook.delivery.failed',
      'link.saved',
      'ping',
      'subscription.disabled',
    ]) {
      const schema = document.components.schemas[`event.${type}`];
      assert.ok(schema, `event.${type} is missing`);
      assert.deepEqual(Object.keys(schema.properties).sort(), ['data', 'timestamp', 'type']);
    }
    assert.ok(document.paths['/api/v1/messages/{id}/resend'].post);
  });

  it('refuses bad input with problem+json and changes nothing', async (t) => {
    const { server, admin } = await eventsServer(t);
    const receiver = await startReceiver(t);
    const { id } = await subscribe(admin, receiver.url, ['ping']);
    const before = await server.db.selectFrom('event_subscriptions').selectAll().execute();
    const cases: [string, string, string, unknown, number, string][] = [
      ['no url', 'POST', PATH, { event_types: ['ping'] }, 400, 'validation_failed'],
      ['not a url', 'POST', PATH, { url: 'not a url', event_types: ['ping'] }, 400, 'bad_request'],
      ['ftp', 'POST', PATH, { url: 'ftp://127.0.0.1/x', event_types: ['ping'] }, 400, 'bad_request'],
      [
        'credentials in the url',
        'POST',
        PATH,
        { url: 'http://a:b@127.0.0.1/x', event_types: ['ping'] },
        400,
        'bad_request',
      ],
      ['unknown type', 'POST', PATH, { url: receiver.url, event_types: ['user.exploded'] }, 400, 'bad_request'],
      ['* with others', 'POST', PATH, { url: receiver.url, event_types: ['*', 'ping'] }, 400, 'bad_request'],
      ['no types', 'POST', PATH, { url: receiver.url, event_types: [] }, 400, 'validation_failed'],
      [
        'NUL in description',
        'POST',
        PATH,
        { url: receiver.url, event_types: ['ping'], description: 'a\u0000' },
        400,
        'validation_failed',
      ],
      ['empty change', 'PATCH', `${PATH}/${id}`, {}, 400, 'validation_failed'],
      ['id not a number', 'GET', `${PATH}/abc`, undefined, 400, 'validation_failed'],
      ['missing subscription', 'PATCH', `${PATH}/999`, { description: 'x' }, 404, 'not_found'],
      ['missing message', 'POST', '/api/v1/messages/999/resend', undefined, 404, 'not_found'],
      ['bad overlap', 'POST', `${PATH}/${id}/rotate-secret`, { overlap: '31d' }, 400, 'bad_request'],
      ['malformed overlap', 'POST', `${PATH}/${id}/rotate-secret`, { overlap: 'soon' }, 400, 'validation_failed'],
    ];
    for (const [name, method, path, json, status, code] of cases) {
      await t.test(name, async () => {
        await expectProblem(await admin.request(path, { method, json }), status, code);
      });
    }
    await expectProblem(
      await admin.request(PATH, { method: 'POST', body: '{"url":', headers: { 'content-type': 'application/json' } }),
      400,
      'bad_request',
    );
    assert.deepEqual(await server.db.selectFrom('event_subscriptions').selectAll().execute(), before);
  });

  it('refuses loopback, private and metadata addresses without the allow list, and plain http outside it', async (t) => {
    const server = await startTestServer(t);
    const { admin } = await adminNobodyAnonymous(server);
    for (const url of [
      'http://127.0.0.1/hook',
      'http://169.254.169.254/latest/meta-data/',
      'https://169.254.169.254/latest/meta-data/',
      'https://127.0.0.1:8443/hook',
      'https://[::1]/hook',
      'https://[::ffff:127.0.0.1]/hook',
      'https://10.1.2.3/hook',
      'https://192.168.1.1/hook',
      'https://localhost/hook',
      'http://93.184.215.14/hook',
    ]) {
      await t.test(url, async () => {
        await expectProblem(await admin.post(PATH, { url, event_types: ['ping'] }), 400, 'bad_request');
      });
    }
    assert.equal((await server.db.selectFrom('event_subscriptions').select('id').execute()).length, 0);
  });

  it('refuses the metadata address with an allow list for loopback only', async (t) => {
    const { admin } = await eventsServer(t);
    await expectProblem(
      await admin.post(PATH, { url: 'http://169.254.169.254/latest/meta-data/', event_types: ['ping'] }),
      400,
      'bad_request',
    );
  });

  it('refuses at connection time an address the sending server does not allow', async (t) => {
    // One server, which only receives, allows loopback and takes the subscription; the one that
    // sends does not allow it, and its connection is refused.
    const { server: receiving, admin } = await eventsServer(t, { ENDPOINT_HOOK_WORKER: 'off' });
    await startTestServer(t, { databaseUrl: receiving.databaseUrl, env: { ENDPOINT_EVENTS_RETRY_SCHEDULE: '0s' } });
    const receiver = await startReceiver(t);
    const { id } = await subscribe(admin, receiver.url, ['user.created']);
    await createUser(receiving.app, 'someone');

    let message: any;
    await pollUntil('the attempt to be refused', 10_000, async () => {
      message = (await expectOk(await admin.get(`${PATH}/${id}/messages`))).items[0];
      return message?.status === 'failed';
    });
    assert.equal(message.attempt_log[0].status_code, null);
    assert.match(message.attempt_log[0].error, /not allowed/);
    assert.equal(receiver.received.length, 0);
  });
});

describe('who may subscribe', () => {
  async function setUp(t: Parameters<typeof eventsServer>[0]) {
    const setup = await eventsServer(t);
    const { server } = setup;
    await createUser(server.app, 'subscriber', {
      groups: ['subscribers'],
      permissions: ['subscriptions.view', 'subscriptions.add', 'subscriptions.change'],
    });
    await createUser(server.app, 'watcher', {
      groups: ['watchers'],
      permissions: ['subscriptions.view', 'subscriptions.add', 'subscriptions.change', 'users.view'],
    });
    const subscriber = new Client(server.url);
    await subscriber.login('subscriber', PASSWORD);
    const watcher = new Client(server.url);
    await watcher.login('watcher', PASSWORD);
    return { ...setup, subscriber, watcher, receiver: await startReceiver(t) };
  }

  it('takes for each event type the permission that shows its data: user events need users.view, * needs all', async (t) => {
    const { server, subscriber, watcher, receiver } = await setUp(t);
    for (const types of [['user.created'], ['*'], ['ping', 'token.revoked']]) {
      await expectProblem(await subscriber.post(PATH, { url: receiver.url, event_types: types }), 403, 'forbidden');
    }
    await expectProblem(await watcher.post(PATH, { url: receiver.url, event_types: ['*'] }), 403, 'forbidden');
    const pinged = await subscribe(subscriber, receiver.url, ['ping', 'subscription.disabled']);
    const watched = await subscribe(watcher, receiver.url, ['user.created']);

    // Redirecting another's user events elsewhere is receiving them: refused without users.view.
    await expectProblem(
      await subscriber.patch(`${PATH}/${watched.id}`, { url: `${receiver.url}/mine` }),
      403,
      'forbidden',
    );
    await expectProblem(
      await subscriber.patch(`${PATH}/${pinged.id}`, { event_types: ['user.deleted'] }),
      403,
      'forbidden',
    );
    await expectOk(await subscriber.patch(`${PATH}/${watched.id}`, { description: 'renamed' }));
    const stored = await server.db
      .selectFrom('event_subscriptions')
      .select(['url', 'event_types'])
      .orderBy('id')
      .execute();
    assert.deepEqual(
      stored.map((row) => JSON.parse(row.event_types)),
      [['ping', 'subscription.disabled'], ['user.created']],
    );
  });

  it("shows a message body only to holders of its type's permission", async (t) => {
    const { server, subscriber, watcher, receiver } = await setUp(t);
    const watched = await subscribe(watcher, receiver.url, ['user.created']);
    await createUser(server.app, 'someone');
    await receiver.waitFor(1);

    const hidden = await expectOk(await subscriber.get(`${PATH}/${watched.id}/messages`));
    assert.equal(hidden.items[0].event_type, 'user.created');
    assert.equal(hidden.items[0].body, null);
    const shown = await expectOk(await watcher.get(`${PATH}/${watched.id}/messages`));
    assert.equal(JSON.parse(shown.items[0].body).data.username, 'someone');
  });

  it('answers 401 to the anonymous and 403 to a user without subscriptions permissions', async (t) => {
    const { anonymous, nobody, admin, receiver } = await setUp(t);
    const { id } = await subscribe(admin, receiver.url, ['ping']);
    const calls: [string, string, unknown][] = [
      ['GET', PATH, undefined],
      ['POST', PATH, { url: receiver.url, event_types: ['ping'] }],
      ['GET', `${PATH}/${id}`, undefined],
      ['PATCH', `${PATH}/${id}`, { description: 'x' }],
      ['DELETE', `${PATH}/${id}`, undefined],
      ['POST', `${PATH}/${id}/rotate-secret`, {}],
      ['POST', `${PATH}/${id}/test`, undefined],
      ['GET', `${PATH}/${id}/messages`, undefined],
      ['POST', '/api/v1/messages/1/resend', undefined],
    ];
    for (const [method, path, json] of calls) {
      await expectProblem(await anonymous.request(path, { method, json }), 401, 'unauthenticated');
      await expectProblem(await nobody.request(path, { method, json }), 403, 'forbidden');
    }
    await expectProblem(await anonymous.get('/api/v1/event-types'), 401, 'unauthenticated');
  });
});
