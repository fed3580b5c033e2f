import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventsServer, subscribe } from './helpers/events.ts';
import { loggedIn, postForm } from './helpers/pages.ts';
import { pollUntil } from './helpers/process.ts';
import { startReceiver } from './helpers/receiver.ts';
import { createUser } from './helpers/users.ts';

describe('the events admin', () => {
  it('creates a subscription showing its secret once, lists messages with their attempts, and resends', async (t) => {
    const { server, admin } = await eventsServer(t);
    const receiver = await startReceiver(t);

    const created = await postForm(admin, '/admin/events/subscriptions/add', [
      ['url', receiver.url],
      ['event_types', 'user.created'],
      ['description', 'from the admin'],
    ]);
    const page = await created.text();
    assert.equal(created.status, 200, page);
    const secret = /whsec_[A-Za-z0-9+/]{32}/.exec(page)?.[0];
    assert.ok(secret, 'the secret is shown on the answer');
    const [row] = await server.db.selectFrom('event_subscriptions').select('id').execute();
    const detail = await (await admin.get(`/admin/events/subscriptions/${row.id}`)).text();
    assert.ok(!detail.includes(secret), 'and never again');

    await createUser(server.app, 'someone');
    await receiver.waitFor(1);
    let message: { id: number } | undefined;
    await pollUntil('the message to be delivered', 10_000, async () => {
      message = await server.db
        .selectFrom('event_messages')
        .select('id')
        .where('status', '=', 'delivered')
        .executeTakeFirst();
      return message !== undefined;
    });
    const id = message?.id;
    const shown = await (await admin.get(`/admin/events/messages/${id}`)).text();
    assert.match(shown, /user\.created/);
    assert.match(shown, /<td>200<\/td>/);
    const listed = await (await admin.get(`/admin/events/subscriptions/${row.id}`)).text();
    assert.match(listed, new RegExp(`href="/admin/events/messages/${id}"`));

    const resent = await postForm(
      admin,
      '/admin/events/messages/actions',
      [
        ['action', 'resend'],
        ['ids', String(id)],
      ],
      `/admin/events/messages/actions?action=resend&ids=${id}`,
    );
    assert.ok([200, 303].includes(resent.status), await resent.text());
    const [, again] = await receiver.waitFor(2);
    assert.equal(again.headers['webhook-id'], receiver.received[0].headers['webhook-id']);
  });

  it('hides the admin pages from a user without subscriptions.view', async (t) => {
    const { server, admin } = await eventsServer(t);
    const receiver = await startReceiver(t);
    await subscribe(admin, receiver.url, ['ping']);
    await createUser(server.app, 'staff', { groups: ['staff'], permissions: ['admin.access'] });
    const staff = await loggedIn(server.url, 'staff');
    assert.equal((await staff.get('/admin/events/subscriptions/')).status, 403);
    assert.doesNotMatch(await (await staff.get('/admin')).text(), /Event subscriptions/);
    assert.match(await (await admin.get('/admin')).text(), /Event subscriptions/);
  });
});
