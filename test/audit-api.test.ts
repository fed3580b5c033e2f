import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectOk, expectProblem } from './helpers/api.ts';
import { auditRows, onlyEntry } from './helpers/audit.ts';
import { Client } from './helpers/http.ts';
import { csrfFrom, submitLogin } from './helpers/pages.ts';
import { startTestServer } from './helpers/server.ts';
import { createUser, PASSWORD } from './helpers/users.ts';

const SETUP_TOKEN = 'abc123def456abc123def456abc123de';

describe('GET /api/v1/audit', () => {
  it('answers 401 anonymous, 403 without audit.view, and the trail newest first with it', async (t) => {
    const server = await startTestServer(t);
    await createUser(server.app, 'auditor', { groups: ['auditors'], permissions: ['audit.view'] });
    await createUser(server.app, 'nobody');
    const auditor = new Client(server.url);
    await auditor.login('auditor', PASSWORD);
    const nobody = new Client(server.url);
    await nobody.login('nobody', PASSWORD);

    await expectProblem(await new Client(server.url).get('/api/v1/audit'), 401, 'unauthenticated');
    await expectProblem(await nobody.get('/api/v1/audit'), 403, 'forbidden');
    const page = await expectOk(await auditor.get('/api/v1/audit'));
    const stored = await auditRows(server.db);
    assert.equal(page.total, stored.length);
    assert.deepEqual(
      page.items.map((entry: { id: number }) => entry.id),
      stored.map((row) => row.id).reverse(),
    );
    const [newest] = page.items;
    assert.equal(newest.action, 'login.succeeded');
    assert.deepEqual(newest.actor, {
      kind: 'user',
      user_id: (await server.app.users.getUserByUsername('nobody')).id,
      username: 'nobody',
      token_id: null,
    });
    assert.equal(newest.address, '127.0.0.1');
    assert.deepEqual(newest.summary, {});
  });

  it('filters by actor, action, target and time, and pages by offset and by keyset', async (t) => {
    const server = await startTestServer(t);
    await createUser(server.app, 'boss', { groups: ['admin'] });
    const boss = new Client(server.url);
    await boss.login('boss', PASSWORD);
    for (const name of ['g1', 'g2', 'g3', 'g4', 'g5']) {
      await expectOk(await boss.post('/api/v1/groups', { name }), 201);
    }
    const list = async (query: string) => expectOk(await boss.get(`/api/v1/audit?${query}`));
    const names = (page: { items: { target: string }[] }) => page.items.map((entry) => entry.target);

    assert.deepEqual(names(await list('actor=boss&action=group.created')), [
      'group:g5',
      'group:g4',
      'group:g3',
      'group:g2',
      'group:g1',
    ]);
    // The admin group was made by the operator, not boss.
    assert.deepEqual(names(await list('actor=cli&action=group.created')), ['group:admin']);
    assert.deepEqual(names(await list('target=group:g3')), ['group:g3']);
    assert.equal((await list('action=no.such')).total, 0);

    const g3 = await onlyEntry(server.db, 'group.created', 'group:g3');
    const g4 = await onlyEntry(server.db, 'group.created', 'group:g4');
    assert.deepEqual(names(await list(`action=group.created&since=${g3.at}&until=${g4.at}`)), ['group:g4', 'group:g3']);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    assert.equal((await list(`since=${encodeURIComponent(future)}`)).total, 0);

    const first = await list('action=group.created&actor=boss&limit=2');
    assert.deepEqual(names(first), ['group:g5', 'group:g4']);
    assert.equal(first.total, 5);
    assert.deepEqual(names(await list('action=group.created&actor=boss&limit=2&offset=2')), ['group:g3', 'group:g2']);
    const lastId = first.items.at(-1).id;
    assert.deepEqual(names(await list(`action=group.created&actor=boss&limit=2&before=${lastId}`)), [
      'group:g3',
      'group:g2',
    ]);

    for (const query of ['limit=0', 'limit=201', 'since=yesterday', 'before=0', 'before=x', 'actor=']) {
      await expectProblem(await boss.get(`/api/v1/audit?${query}`), 400, 'validation_failed');
    }
  });

  it('records the login and logout pages and the setup page, with the operator of setup', async (t) => {
    const server = await startTestServer(t, { setupToken: SETUP_TOKEN });
    const client = new Client(server.url);
    const page = await client.get(`/setup?token=${SETUP_TOKEN}`);
    const setup = await client.request('/setup', {
      method: 'POST',
      form: {
        _csrf: csrfFrom(await page.text()),
        token: SETUP_TOKEN,
        username: 'first',
        password: PASSWORD,
        password_again: PASSWORD,
      },
    });
    assert.equal(setup.status, 303);
    const first = await server.app.users.getUserByUsername('first');
    for (const [action, target] of [
      ['user.created', `user:${first.id}`],
      ['group.created', 'group:admin'],
      ['membership.added', 'group:admin'],
    ]) {
      const entry = await onlyEntry(server.db, action, target);
      assert.equal(entry.actor_kind, 'operator', action);
      assert.equal(entry.actor_username, 'setup', action);
      assert.equal(entry.address, '127.0.0.1', action);
    }
    assert.equal((await onlyEntry(server.db, 'login.succeeded')).actor_username, 'first');

    const logoutPage = await client.get('/user/logout');
    const loggedOut = await client.request('/user/logout', {
      method: 'POST',
      form: { _csrf: csrfFrom(await logoutPage.text()) },
    });
    assert.equal(loggedOut.status, 303);
    assert.equal((await onlyEntry(server.db, 'logout')).actor_user_id, first.id);

    assert.equal((await submitLogin(new Client(server.url), { username: 'first', password: 'wrong one' })).status, 401);
    const failed = await onlyEntry(server.db, 'login.failed');
    assert.equal(failed.actor_kind, 'anonymous');
    assert.equal(failed.summary.username, 'first');
    assert.ok(!JSON.stringify(await auditRows(server.db)).includes('wrong one'));
    assert.equal((await submitLogin(new Client(server.url), { username: 'first', password: PASSWORD })).status, 303);
    assert.equal((await auditRows(server.db, 'login.succeeded')).length, 2);
  });
});
