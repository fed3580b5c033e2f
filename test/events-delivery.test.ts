import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectOk, expectProblem } from './helpers/api.ts';
import { onlyEntry } from './helpers/audit.ts';
import { runCli } from './helpers/cli.ts';
import { EVENTS_ENV, eventsServer, subscribe, verified } from './helpers/events.ts';
import { pollUntil } from './helpers/process.ts';
import { ofType, startReceiver } from './helpers/receiver.ts';
import { startTestServer, TEST_SECRET_KEY } from './helpers/server.ts';
import { createUser, PASSWORD } from './helpers/users.ts';

const NEW_USER = { username: 'newcomer', password: PASSWORD, email: 'newcomer@example.com' };

describe('event delivery', () => {
  it('sends user.created, signed so the standardwebhooks library verifies it, when the API creates a user', async (t) => {
    const { admin } = await eventsServer(t);
    const receiver = await startReceiver(t);
    const { secret } = await subscribe(admin, receiver.url, ['user.created']);

    const user = await expectOk(await admin.post('/api/v1/users', NEW_USER), 201);
    const [request] = await receiver.waitFor(1);
    const message = verified(request, secret);
    assert.equal(message.type, 'user.created');
    assert.deepEqual(message.data, {
      id: user.id,
      username: 'newcomer',
      first_name: '',
      last_name: '',
      email: 'newcomer@example.com',
      active: true,
    });
    assert.match(String(request.headers['webhook-id']), /^msg_/);
    assert.ok(!request.body.includes('argon2'), 'no password hash in the body');
  });

  it('sends user.created for a user the CLI creates in another process, found in the outbox by the server', async (t) => {
    const { server, admin } = await eventsServer(t);
    const receiver = await startReceiver(t);
    const { secret } = await subscribe(admin, receiver.url, ['user.created']);

    const env = { ENDPOINT_DATABASE_URL: server.databaseUrl, ENDPOINT_SECRET_KEY: TEST_SECRET_KEY, ...EVENTS_ENV };
    const added = await runCli(['add-user', '--username', 'fromcli', '--password', PASSWORD], { env });
    assert.equal(added.code, 0, added.stderr);
    const [request] = await receiver.waitFor(1);
    assert.equal(verified(request, secret).data.username, 'fromcli');
  });

  it('sends nothing for a change that fails: a duplicate username', async (t) => {
    const { server, admin } = await eventsServer(t);
    const receiver = await startReceiver(t);
    const { secret } = await subscribe(admin, receiver.url, ['user.created']);

    await expectOk(await admin.post('/api/v1/users', NEW_USER), 201);
    await expectProblem(await admin.post('/api/v1/users', NEW_USER), 409, 'conflict');
    // A change after the failed one: once its message is in, the failed one would have been too.
    await expectOk(await admin.post('/api/v1/users', { ...NEW_USER, username: 'later' }), 201);
    const received = await receiver.waitFor(2);
    assert.deepEqual(
      received.map((request) => verified(request, secret).data.username),
      ['newcomer', 'later'],
    );
    const stored = await server.db.selectFrom('event_messages').select('event_type').execute();
    assert.equal(stored.length, 2);
  });

  it('retries a receiver answering 500 twice, then 200: three attempts with one webhook-id, each recorded', async (t) => {
    const { admin } = await eventsServer(t);
    const receiver = await startReceiver(t);
    receiver.answers.push({ status: 500 }, { status: 500 });
    const { id, secret } = await subscribe(admin, receiver.url, ['user.created']);

    await expectOk(await admin.post('/api/v1/users', NEW_USER), 201);
    const received = await receiver.waitFor(3);
    assert.equal(new Set(received.map((request) => request.headers['webhook-id'])).size, 1);
    for (const request of received) assert.equal(verified(request, secret).type, 'user.created');

    let message: any;
    await pollUntil('the message to be delivered', 10_000, async () => {
      const page = await expectOk(await admin.get(`/api/v1/subscriptions/${id}/messages`));
      message = page.items[0];
      return message?.status === 'delivered';
    });
    assert.equal(message.webhook_id, received[0].headers['webhook-id']);
    assert.deepEqual(
      message.attempt_log.map((attempt: any) => attempt.status_code),
      [500, 500, 200],
    );
    assert.equal(message.attempt_log[0].error, 'answered 500');
    assert.equal(message.attempt_log[2].error, null);
    assert.ok(message.attempt_log.every((attempt: any) => attempt.duration_ms >= 0));
  });

  it('gives up after the last scheduled attempt and keeps the message failed', async (t) => {
    const { admin } = await eventsServer(t, { ENDPOINT_EVENTS_RETRY_SCHEDULE: '0s,0s' });
    const receiver = await startReceiver(t);
    receiver.answers.push({ status: 503 }, { status: 503 }, { status: 503 });
    const { id } = await subscribe(admin, receiver.url, ['user.created']);

    await expectOk(await admin.post('/api/v1/users', NEW_USER), 201);
    await pollUntil('the message to fail', 10_000, async () => {
      const page = await expectOk(await admin.get(`/api/v1/subscriptions/${id}/messages`));
      return page.items[0]?.status === 'failed';
    });
    assert.equal(receiver.received.length, 2);
  });

  it('waits at least the Retry-After a receiver asks for', async (t) => {
    const { admin } = await eventsServer(t);
    const receiver = await startReceiver(t);
    receiver.answers.push({ status: 429, headers: { 'retry-after': '1' } });
    await subscribe(admin, receiver.url, ['user.created']);

    await expectOk(await admin.post('/api/v1/users', NEW_USER), 201);
    const [first, second] = await receiver.waitFor(2);
    assert.ok(second.at - first.at >= 900, `retried after ${second.at - first.at} ms`);
  });

  it('disables a subscription whose receiver answers 410, with a subscription.disabled event and an audit entry', async (t) => {
    const { server, admin } = await eventsServer(t);
    const gone = await startReceiver(t);
    gone.answers.push({ status: 410 });
    const watcher = await startReceiver(t);
    const { id } = await subscribe(admin, gone.url, ['user.created']);
    const { secret: watcherSecret } = await subscribe(admin, watcher.url, ['subscription.disabled']);

    await expectOk(await admin.post('/api/v1/users', NEW_USER), 201);
    const [notice] = await watcher.waitFor(1);
    assert.deepEqual(verified(notice, watcherSecret).data, { id, url: gone.url, reason: 'gone' });
    const subscription = await expectOk(await admin.get(`/api/v1/subscriptions/${id}`));
    assert.equal(subscription.enabled, false);
    assert.equal(subscription.disabled_reason, 'gone');
    const entry = await onlyEntry(server.db, 'subscription.disabled', `subscription:${id}`);
    assert.equal(entry.actor_kind, 'system');

    // Nothing more goes to it, and the message is failed, not retried.
    await expectOk(await admin.post('/api/v1/users', { ...NEW_USER, username: 'second' }), 201);
    await expectOk(
      await admin.post(`/api/v1/subscriptions/${(await subscribe(admin, watcher.url, ['user.created'])).id}/test`),
      202,
    );
    await watcher.waitFor(1, 'ping');
    assert.equal(gone.received.length, 1);
  });

  it('disables a subscription that has failed everything for 5 days', async (t) => {
    const { server, admin } = await eventsServer(t);
    const receiver = await startReceiver(t);
    receiver.answers.push({ status: 500 });
    const { id } = await subscribe(admin, receiver.url, ['user.created']);
    const sixDaysAgo = new Date(Date.now() - 6 * 86_400_000).toISOString();
    await server.db
      .updateTable('event_subscriptions')
      .set({ failing_since: sixDaysAgo })
      .where('id', '=', id)
      .execute();

    await expectOk(await admin.post('/api/v1/users', NEW_USER), 201);
    await pollUntil('the subscription to be disabled', 10_000, async () => {
      const subscription = await expectOk(await admin.get(`/api/v1/subscriptions/${id}`));
      return subscription.enabled === false;
    });
    const subscription = await expectOk(await admin.get(`/api/v1/subscriptions/${id}`));
    assert.equal(subscription.disabled_reason, 'failing');
    await onlyEntry(server.db, 'subscription.disabled', `subscription:${id}`);
  });

  it('forgets past failures on a success', async (t) => {
    const { server, admin } = await eventsServer(t);
    const receiver = await startReceiver(t);
    receiver.answers.push({ status: 500 });
    const { id } = await subscribe(admin, receiver.url, ['user.created']);

    await expectOk(await admin.post('/api/v1/users', NEW_USER), 201);
    await receiver.waitFor(2);
    await pollUntil('failing_since to be cleared', 10_000, async () => {
      const row = await server.db
        .selectFrom('event_subscriptions')
        .select('failing_since')
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      const delivered = await server.db.selectFrom('event_messages').select('status').executeTakeFirstOrThrow();
      return row.failing_since === null && delivered.status === 'delivered';
    });
  });

  it('signs with both secrets during a rotation overlap, and with the new one alone after a rotation without one', async (t) => {
    const { admin } = await eventsServer(t);
    const receiver = await startReceiver(t);
    const { id, secret: oldSecret } = await subscribe(admin, receiver.url, ['ping']);

    const rotated = await expectOk(await admin.post(`/api/v1/subscriptions/${id}/rotate-secret`, { overlap: '1h' }));
    assert.match(rotated.secret, /^whsec_/);
    assert.notEqual(rotated.secret, oldSecret);
    assert.ok(rotated.previous_secret_expires_at);
    await expectOk(await admin.post(`/api/v1/subscriptions/${id}/test`), 202);
    const [during] = await receiver.waitFor(1);
    assert.equal(String(during.headers['webhook-signature']).split(' ').length, 2);
    assert.equal(verified(during, rotated.secret).type, 'ping');
    assert.equal(verified(during, oldSecret).type, 'ping');

    const again = await expectOk(await admin.post(`/api/v1/subscriptions/${id}/rotate-secret`, { overlap: '0s' }));
    await expectOk(await admin.post(`/api/v1/subscriptions/${id}/test`), 202);
    const [, after] = await receiver.waitFor(2);
    assert.equal(String(after.headers['webhook-signature']).split(' ').length, 1);
    assert.equal(verified(after, again.secret).type, 'ping');
    assert.throws(() => verified(after, rotated.secret));
  });

  it('sends a ping on test, and a resent message again with the same webhook-id', async (t) => {
    const { server, admin } = await eventsServer(t);
    const receiver = await startReceiver(t);
    const { id, secret } = await subscribe(admin, receiver.url, ['user.created']);

    const message = await expectOk(await admin.post(`/api/v1/subscriptions/${id}/test`), 202);
    assert.equal(message.event_type, 'ping');
    const [ping] = await receiver.waitFor(1);
    assert.deepEqual(verified(ping, secret).data, { subscription_id: id });
    await pollUntil('the ping to be recorded delivered', 10_000, async () => {
      return (await expectOk(await admin.get(`/api/v1/messages/${message.id}`))).status === 'delivered';
    });

    const resent = await expectOk(await admin.post(`/api/v1/messages/${message.id}/resend`), 202);
    assert.equal(resent.status, 'pending');
    const [, again] = await receiver.waitFor(2);
    assert.equal(again.headers['webhook-id'], ping.headers['webhook-id']);
    await onlyEntry(server.db, 'message.resent', `message:${message.id}`);
  });

  it('sends each message once when two servers share the outbox', async (t) => {
    const { server, admin } = await eventsServer(t);
    await startTestServer(t, { databaseUrl: server.databaseUrl, env: EVENTS_ENV });
    const receiver = await startReceiver(t);
    await subscribe(admin, receiver.url, ['user.created']);
    for (let i = 0; i < 20; i++) await createUser(server.app, `shared${i}`);
    const received = await receiver.waitFor(20);
    const ids = new Set(received.map((request) => request.headers['webhook-id']));
    assert.equal(ids.size, 20);
    await pollUntil('every message delivered', 10_000, async () => {
      const rows = await server.db.selectFrom('event_messages').select('status').execute();
      return rows.every((row) => row.status === 'delivered');
    });
    assert.equal(receiver.received.length, 20);
  });

  it('sends token, membership, update and delete events, never the token itself', async (t) => {
    const { admin } = await eventsServer(t);
    const receiver = await startReceiver(t);
    const { secret } = await subscribe(admin, receiver.url, ['*']);

    const user = await expectOk(await admin.post('/api/v1/users', NEW_USER), 201);
    await expectOk(await admin.patch(`/api/v1/users/${user.id}`, { email: 'other@example.com' }));
    const group = await expectOk(await admin.post('/api/v1/groups', { name: 'crew' }), 201);
    await expectOk(await admin.put(`/api/v1/groups/${group.id}/members/${user.id}`), 204);
    await expectOk(await admin.delete(`/api/v1/groups/${group.id}/members/${user.id}`), 204);
    const token = await expectOk(await admin.post('/api/v1/tokens', { name: 'ci' }), 201);
    await expectOk(await admin.delete(`/api/v1/tokens/${token.id}`), 204);
    await expectOk(await admin.delete(`/api/v1/users/${user.id}`), 204);

    const types = [
      'user.created',
      'user.updated',
      'group.member_added',
      'group.member_removed',
      'token.created',
      'token.revoked',
      'user.deleted',
    ];
    await pollUntil('every event', 15_000, async () =>
      types.every((type) => ofType(receiver.received, type).length > 0),
    );
    const bodies = receiver.received.map((request) => verified(request, secret));
    assert.ok(!JSON.stringify(bodies).includes(token.token), 'the token is in no message');
    assert.deepEqual(bodies.find((body) => body.type === 'user.updated')?.data.changed, ['email']);
    assert.deepEqual(bodies.find((body) => body.type === 'group.member_added')?.data, {
      group: { id: group.id, name: 'crew' },
      user: { id: user.id, username: 'newcomer' },
    });
  });
});
