import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sendTestDelivery } from './helpers/built.ts';
import { pollUntil } from './helpers/process.ts';
import { startTestServer } from './helpers/server.ts';
import { createUser, OPERATOR, userActor } from './helpers/users.ts';

const SECRETS: Record<string, string | undefined> = { twilio: 'a1b2c3d4e5f60718293a4b5c6d7e8f90' };

describe('the hooks test console', () => {
  for (const verify of ['standard', 'github', 'stripe', 'twilio', 'token']) {
    it(`sends a correctly signed ${verify} sample that the hook stores and its handler runs`, async (t) => {
      const server = await startTestServer(t);
      const { app } = server;
      const root = await createUser(app, 'root', { groups: ['admin'] });
      await app.hooks.createHook(OPERATOR, {
        name: `console-${verify}`,
        handler: 'inbox',
        verify,
        secret: SECRETS[verify],
      });
      const host = new URL(server.url).host;

      const outcome = await sendTestDelivery(app, { hook: `console-${verify}`, actor: userActor(root), host });
      assert.equal(outcome.status, 202, outcome.body);
      const id = outcome.delivery?.id;
      assert.ok(id !== undefined);
      assert.equal(JSON.parse(outcome.body).id, id);
      await pollUntil('the worker ran it', 10_000, async () => (await app.hooks.getDelivery(id)).status === 'done');
      // Nothing refused along the way, and the token made for a token hook is gone again.
      await app.hooks.flushRefusedCalls();
      assert.equal((await app.hooks.listRefusedCalls({}, 10)).items.length, 0);
      const tokens = await app.tokens.list({ userId: root.id }, { limit: 10, offset: 0 });
      assert.equal(tokens.total, 0);
    });
  }

  it('answers with an inline handler’s reply and the delivery it ran to done', async (t) => {
    const server = await startTestServer(t);
    const { app } = server;
    const root = await createUser(app, 'root', { groups: ['admin'] });
    await app.hooks.createHook(OPERATOR, {
      name: 'sms',
      handler: 'links.twilio-sms',
      verify: 'twilio',
      secret: SECRETS.twilio,
    });
    const outcome = await sendTestDelivery(app, {
      hook: 'sms',
      actor: userActor(root),
      host: new URL(server.url).host,
    });
    assert.equal(outcome.status, 200, outcome.body);
    assert.match(outcome.contentType, /xml/);
    assert.match(outcome.body, /<Response/);
    assert.equal(outcome.delivery?.status, 'done');
  });

  it('refuses a token hook’s sample for a user who does not hold hooks.call', async (t) => {
    const server = await startTestServer(t);
    const { app } = server;
    const viewer = await createUser(app, 'viewer', { groups: ['viewers'], permissions: ['hooks.view'] });
    await app.hooks.createHook(OPERATOR, { name: 'tok', handler: 'inbox', verify: 'token' });
    await assert.rejects(sendTestDelivery(app, { hook: 'tok', actor: userActor(viewer), host: 'localhost' }), {
      code: 'bad_request',
      message: /hooks\.call/,
    });
    assert.equal((await app.hooks.listDeliveriesPage({ hook: 'tok' }, 10)).items.length, 0);
  });
});
