import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addHook, postHook, signedHeaders } from './helpers/hooks.ts';
import { Client } from './helpers/http.ts';
import { loggedIn, postForm } from './helpers/pages.ts';
import { startTestServer } from './helpers/server.ts';
import { servicesOver } from './helpers/services.ts';
import { adminNobodyAnonymous, createUser, OPERATOR, PASSWORD } from './helpers/users.ts';

describe('the admin under attack', () => {
  it('refuses every admin POST without or with a wrong CSRF token, and GETs change nothing', async (t) => {
    const server = await startTestServer(t);
    const { app } = server;
    const { admin } = await adminNobodyAnonymous(server);
    const victim = await createUser(app, 'victim');
    const hook = await addHook(app, 'csrf-hook', 'github');
    await admin.get('/admin');
    const posts: [string, Record<string, string>][] = [
      ['/admin/users/users/add', { username: 'forged', password: PASSWORD }],
      [`/admin/users/users/${victim.id}/edit`, { first_name: 'Forged' }],
      [`/admin/users/users/${victim.id}/delete`, {}],
      ['/admin/users/users/actions', { action: 'deactivate', ids: String(victim.id) }],
      [`/admin/hooks/hooks/${hook.id}/delete`, {}],
      ['/admin/hooks/hooks/actions', { action: 'rotate', ids: String(hook.id) }],
      [`/admin/hooks/console/${hook.id}`, {}],
      ['/admin/hooks/replay-failed', {}],
      ['/admin/tokens/tokens/add', { name: 'forged' }],
    ];
    for (const [path, form] of posts) {
      for (const token of [undefined, 'wrong-token']) {
        const body = new URLSearchParams(form);
        if (token) body.set('_csrf', token);
        const response = await admin.request(path, { method: 'POST', body });
        assert.equal(response.status, 403, `${path} with ${token ?? 'no token'}`);
      }
    }
    // The pages a link may lead to show what would happen and change nothing.
    for (const path of [
      `/admin/users/users/actions?action=deactivate&ids=${victim.id}`,
      `/admin/users/users/${victim.id}/delete`,
      `/admin/hooks/hooks/${hook.id}/delete`,
      `/admin/hooks/hooks/actions?action=rotate&ids=${hook.id}&back=row`,
      `/admin/hooks/console/${hook.id}`,
      '/admin/hooks/replay-failed',
    ]) {
      assert.equal((await admin.get(path)).status, 200, path);
    }
    const after = await app.users.getUser(victim.id);
    assert.equal(after.active, true);
    assert.equal(after.first_name, '');
    await assert.rejects(app.users.getUserByUsername('forged'));
    assert.equal((await app.hooks.listDeliveriesPage({ hook: 'csrf-hook' }, 10)).items.length, 0);
    const entries = await server.db.selectFrom('audit_entries').select('action').execute();
    assert.ok(!entries.some((entry) => /hook\.(secret|removed)|user\.(changed|deleted)/.test(entry.action)));
  });

  it('takes no field the form does not show the caller: groups, a stronger user’s password or state', async (t) => {
    const server = await startTestServer(t);
    const { app } = server;
    await createUser(app, 'root', { groups: ['admin'] });
    await createUser(app, 'clerk', {
      groups: ['clerks'],
      permissions: ['admin.access', 'users.view', 'users.change'],
    });
    const clerk = await loggedIn(server.url, 'clerk');
    const self = await app.users.getUserByUsername('clerk');
    const root = await app.users.getUserByUsername('root');
    // No groups field without groups.change: posting one anyway changes no membership.
    const own = await postForm(clerk, `/admin/users/users/${self.id}/edit`, [
      ['first_name', 'Clerk'],
      ['active', 'on'],
      ['groups', 'admin'],
    ]);
    assert.ok(own.status === 303 || own.status === 403, `own edit answered ${own.status}`);
    assert.deepEqual((await app.users.getUser(self.id)).groups, ['clerks']);
    // The password or state of someone holding more than the clerk.
    const stronger = await postForm(clerk, `/admin/users/users/${root.id}/edit`, [
      ['password', 'an entirely new password 1'],
    ]);
    assert.notEqual(stronger.status, 303);
    assert.notEqual(stronger.status, 500);
    const rootClient = new Client(server.url);
    await rootClient.login('root', PASSWORD);
    const bulk = await postForm(
      clerk,
      '/admin/users/users/actions',
      [
        ['action', 'deactivate'],
        ['ids', String(self.id)],
        ['ids', String(root.id)],
      ],
      `/admin/users/users/actions?action=deactivate&ids=${self.id}&ids=${root.id}`,
    );
    assert.notEqual(bulk.status, 500);
    assert.equal((await app.users.getUser(root.id)).active, true);
  });

  it('keeps nothing of a form or action refused part way: no grant, member or entry before the refusal', async (t) => {
    const server = await startTestServer(t);
    const { app, db } = server;
    await createUser(app, 'clerk', {
      groups: ['clerks'],
      permissions: ['admin.access', 'groups.view', 'groups.change', 'users.view', 'users.change'],
    });
    const staff = await app.users.createGroup(OPERATOR, { name: 'staff' });
    const victim = await createUser(app, 'victim');
    const root = await createUser(app, 'root', { groups: ['admin'] });
    const clerk = await loggedIn(server.url, 'clerk');
    const entries = async () => (await db.selectFrom('audit_entries').select('id').execute()).length;
    const before = await entries();
    const edit = `/admin/users/groups/${staff.id}/edit`;
    // A grant the clerk may give, then a name another group has.
    const taken = await postForm(clerk, edit, [
      ['name', 'clerks'],
      ['permissions', 'groups.view'],
    ]);
    assert.equal(taken.status, 409);
    // A member and a grant the clerk may give, then one they do not hold.
    const notHeld = await postForm(clerk, edit, [
      ['name', 'staff'],
      ['add_member', 'victim'],
      ['permissions', 'groups.view'],
      ['permissions', 'users.delete'],
    ]);
    assert.equal(notHeld.status, 403);
    assert.deepEqual(await app.users.groupPermissions(staff.id), []);
    assert.equal((await app.users.listMembers(staff.id, { limit: 10, offset: 0 })).total, 0);
    // A bulk action refused at its second row leaves the first as it was.
    const bulk = await postForm(
      clerk,
      '/admin/users/users/actions',
      [
        ['action', 'deactivate'],
        ['ids', String(victim.id)],
        ['ids', String(root.id)],
      ],
      `/admin/users/users/actions?action=deactivate&ids=${victim.id}&ids=${root.id}`,
    );
    assert.equal(bulk.status, 403);
    assert.equal((await app.users.getUser(victim.id)).active, true);
    assert.equal(await entries(), before);
  });

  it('bounds ids lists, and refuses rows and scopes beyond the caller', async (t) => {
    const server = await startTestServer(t);
    const { app } = server;
    const { admin } = await adminNobodyAnonymous(server);
    const many = Array.from({ length: 201 }, (_, i) => `ids=${i + 1}`).join('&');
    assert.equal((await admin.get(`/admin/users/users/actions?action=deactivate&${many}`)).status, 400);
    await createUser(app, 'plain', { groups: ['plain'], permissions: ['admin.access'] });
    const plain = await loggedIn(server.url, 'plain');
    const root = await app.users.getUserByUsername('root');
    const rootToken = await app.tokens.create(OPERATOR, root.id, { name: 'root token', scopes: ['users.delete'] });
    assert.equal((await plain.get('/admin/tokens/tokens/')).status, 403);
    assert.equal((await plain.get(`/admin/tokens/tokens/${rootToken.id}`)).status, 403);
    assert.equal((await plain.get(`/admin/tokens/tokens/actions?action=revoke&ids=${rootToken.id}`)).status, 403);
    for (const path of [
      '/admin/audit/entries/',
      '/admin/hooks/refused/',
      '/admin/hooks/deliveries/',
      '/admin/hooks/search',
    ]) {
      assert.equal((await plain.get(path)).status, 403, path);
    }
    assert.equal((await plain.get('/api/v1/audit')).status, 403);
    const scoped = await postForm(plain, '/admin/tokens/tokens/add', [
      ['name', 'more than held'],
      ['scopes', 'users.delete'],
    ]);
    // The checklist offers only what the caller holds; a scope posted beyond it is dropped.
    assert.equal(scoped.status, 200);
    const plainUser = await app.users.getUserByUsername('plain');
    const tokens = await app.tokens.list({ userId: plainUser.id }, { limit: 10, offset: 0 });
    assert.deepEqual(
      tokens.items.map((token) => token.scopes),
      [[]],
    );
  });

  it('answers 400 to queries it does not take, and never 500', async (t) => {
    const server = await startTestServer(t);
    const { admin } = await adminNobodyAnonymous(server);
    const long = 'a'.repeat(10_000);
    for (const [path, statuses] of [
      ['/admin/users/users/?sort=email', [400]],
      ['/admin/users/users/?f_password_hash=x', [200, 400]],
      ['/admin/users/users/?f_active=2', [200, 400]],
      ['/admin/users/users/?limit=1000000', [200, 400]],
      [`/admin/users/users/?q=${long}`, [400]],
      ['/admin/users/users/?q=%F0%9F%98%80%E2%80%AE', [200]],
      ['/admin/hooks/deliveries/?q=%00', [400]],
      ['/admin/hooks/refused/?q=%00', [200, 400]],
      ['/admin/hooks/refused/?after=zzzz', [400]],
      ['/admin/audit/entries/?sort=address', [400]],
      [`/admin/hooks/search?hook=${'x'.repeat(101)}`, [400]],
      ['/admin/hooks/search?since=not-a-time', [200, 400]],
      ['/admin/hooks/search?after=%00', [200, 400]],
      ['/admin/hooks/body/99999999999', [400, 404]],
    ] as const) {
      const response = await admin.get(path);
      assert.ok((statuses as readonly number[]).includes(response.status), `${path} answered ${response.status}`);
    }
  });

  it('escapes hook traffic everywhere and cuts the huge headers of refused calls', async (t) => {
    const server = await startTestServer(t);
    const { app } = server;
    const { admin } = await adminNobodyAnonymous(server);
    await addHook(app, 'xss-hook', 'github');
    const evil = '<script>alert(1)</script>"onerror=alert(2)';
    const refused = await postHook(server.url, '/hooks/xss-hook', `{"x":"${evil.replaceAll('"', '\\"')}"}`, {
      'content-type': 'application/json',
      'user-agent': `${evil}${'u'.repeat(12_000)}`,
      'x-github-delivery': evil,
    });
    assert.equal(refused.status, 401);
    await app.hooks.flushRefusedCalls();
    const [call] = (await app.hooks.listRefusedCalls({ hook: 'xss-hook' }, 5)).items;
    assert.ok(call, 'a refused call kept');
    assert.ok(JSON.stringify(call.headers).length < 4000, 'a huge header is cut');
    const html = await (await admin.get(`/admin/hooks/refused/${call.id}`)).text();
    assert.ok(!html.includes('<script>alert'), 'refused detail');
    assert.ok(!html.includes('"onerror'), 'refused detail attribute');
    const list = await (await admin.get('/admin/hooks/refused/')).text();
    assert.ok(!html.includes('<script>alert') && !list.includes('<script>alert'));

    // An accepted delivery: its headers and body on its page, and the body as a download.
    const { secret } = await addHook(app, 'xss-accepted', 'github');
    const payload = JSON.stringify({ x: evil });
    const headers = { ...(await signedHeaders('github', secret, evil, payload)), 'user-agent': evil };
    assert.equal((await postHook(server.url, '/hooks/xss-accepted', payload, headers)).status, 202);
    const [delivery] = (await app.hooks.listDeliveriesPage({ hook: 'xss-accepted' }, 5)).items;
    for (const path of [
      `/admin/hooks/deliveries/${delivery.id}`,
      '/admin/hooks/deliveries/',
      '/admin/hooks/search?hook=xss-accepted',
      `/admin/hooks/hooks/${(await app.hooks.getHook('xss-accepted')).id}`,
    ]) {
      const page = await (await admin.get(path)).text();
      assert.ok(!page.includes('<script>alert') && !page.includes('"onerror'), path);
    }
    const download = await admin.get(`/admin/hooks/body/${delivery.id}`);
    assert.equal(download.headers.get('content-type'), 'application/octet-stream');
    assert.equal(download.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(download.headers.get('content-disposition'), `attachment; filename="delivery-${delivery.id}.bin"`);
    assert.equal(await download.text(), payload);
  });

  it('escapes hook and group names everywhere, and never shows a secret or token again', async (t) => {
    const server = await startTestServer(t);
    const { app } = server;
    const { admin } = await adminNobodyAnonymous(server);
    const evil = '<script>alert(1)</script>"onerror=\'x';
    // A hook name is letters, digits, . _ and -: the refused one comes back escaped in its field.
    const refused = await postForm(admin, '/admin/hooks/hooks/add', [
      ['name', evil],
      ['handler', 'inbox'],
      ['verify', 'standard'],
    ]);
    assert.equal(refused.status, 400);
    const typed = await refused.text();
    assert.ok(!typed.includes('<script>alert') && !typed.includes('"onerror'));
    const created = await postForm(admin, '/admin/hooks/hooks/add', [
      ['name', 'evil-hook'],
      ['handler', 'inbox'],
      ['verify', 'standard'],
    ]);
    const reveal = await created.text();
    assert.equal(created.status, 200);
    assert.equal(created.headers.get('cache-control'), 'no-store');
    const secret = /whsec_[A-Za-z0-9+/=]{20,}/.exec(reveal)?.[0];
    assert.ok(secret, 'the secret shown once');
    const hook = await app.hooks.getHook('evil-hook');
    const group = await postForm(admin, '/admin/users/groups/add', [['name', evil]]);
    assert.equal(group.status, 303);
    const tokenAnswer = await postForm(admin, '/admin/tokens/tokens/add', [['name', evil]]);
    assert.equal(tokenAnswer.headers.get('cache-control'), 'no-store');
    const token = /ep_[A-Za-z0-9_-]{43}/.exec(await tokenAnswer.text())?.[0];
    assert.ok(token, 'the token shown once');
    const [entry] = await server.db.selectFrom('audit_entries').select('id').orderBy('id', 'desc').limit(1).execute();
    for (const path of [
      '/admin',
      '/admin/hooks/hooks/',
      `/admin/hooks/hooks/${hook.id}`,
      `/admin/hooks/hooks/${hook.id}/edit`,
      `/admin/hooks/hooks/${hook.id}/delete`,
      `/admin/hooks/hooks/actions?action=rotate&ids=${hook.id}&back=row`,
      `/admin/hooks/console/${hook.id}`,
      `/admin/hooks/search?hook=${encodeURIComponent(evil)}`,
      '/admin/hooks/search?hook=evil-hook',
      `/admin/hooks/replay-failed?hook=${encodeURIComponent(evil)}`,
      `/admin/hooks/deliveries/?q=${encodeURIComponent(evil)}`,
      `/admin/hooks/refused/?q=${encodeURIComponent(evil)}`,
      '/admin/users/groups/',
      '/admin/tokens/tokens/',
      '/admin/audit/entries/',
      `/admin/audit/entries/${entry.id}`,
      `/admin/audit/entries/?q=${encodeURIComponent(evil)}`,
    ]) {
      const html = await (await admin.get(path)).text();
      assert.ok(!html.includes('<script>alert'), `${path} shows the script`);
      assert.ok(!html.includes('"onerror'), `${path} breaks out of an attribute`);
      assert.ok(!html.includes(secret) && !html.includes(token), `${path} shows a secret again`);
    }
    const console = await postForm(admin, `/admin/hooks/console/${hook.id}`, []);
    const outcome = await console.text();
    assert.equal(console.status, 200);
    assert.ok(!outcome.includes('<script>alert') && !outcome.includes(secret));
    const trail = JSON.stringify(await server.db.selectFrom('audit_entries').selectAll().execute());
    assert.ok(!trail.includes(secret) && !trail.includes(token));
  });

  it('does not let the test console call a token hook for someone without hooks.call, and leaves no token', async (t) => {
    const server = await startTestServer(t);
    const { app } = server;
    await app.hooks.createHook(OPERATOR, { name: 'token-hook', handler: 'inbox', verify: 'token' });
    const hook = await app.hooks.getHook('token-hook');
    await createUser(app, 'changer', {
      groups: ['changers'],
      permissions: ['admin.access', 'hooks.view', 'hooks.change'],
    });
    const changer = await loggedIn(server.url, 'changer');
    const answer = await postForm(changer, `/admin/hooks/console/${hook.id}`, []);
    assert.notEqual(answer.status, 500);
    assert.equal((await app.hooks.listDeliveriesPage({ hook: 'token-hook' }, 10)).items.length, 0);
    const live = await server.db.selectFrom('api_tokens').select('id').where('revoked_at', 'is', null).execute();
    assert.equal(live.length, 0);
    // Without hooks.change the console is refused, whatever hook it names.
    await createUser(app, 'viewer', { groups: ['viewers'], permissions: ['admin.access', 'hooks.view'] });
    const viewer = await loggedIn(server.url, 'viewer');
    assert.equal((await viewer.get(`/admin/hooks/console/${hook.id}`)).status, 403);
  });

  it('writes the audit trail with the address the server saw, not one a client claims', async (t) => {
    const server = await startTestServer(t);
    const { app } = server;
    await createUser(app, 'root', { groups: ['admin'] });
    const client = new Client(server.url);
    const login = await client.request('/api/v1/users/authenticate', {
      method: 'POST',
      json: { username: 'root', password: PASSWORD },
      headers: { 'x-forwarded-for': '6.6.6.6', 'x-real-ip': '6.6.6.6' },
    });
    assert.equal(login.status, 200);
    const entries = await server.db.selectFrom('audit_entries').select(['action', 'address']).execute();
    assert.ok(entries.length > 0);
    assert.ok(entries.every((entry) => entry.address !== '6.6.6.6'));
    // A refused change leaves no entry.
    const before = entries.length;
    const response = await postForm(client, '/admin/users/groups/add', [['name', 'admin']]);
    assert.equal(response.status, 409);
    assert.equal((await server.db.selectFrom('audit_entries').select('id').execute()).length, before);
  });
});

describe('refused calls under a flood', () => {
  it('keeps a real hook’s refusals when calls to a hundred names no hook has were refused first', async (t) => {
    const server = await startTestServer(t);
    await addHook(server.app, 'real-hook', 'github');
    await addHook(server.app, 'busy-hook', 'github');
    // The recorder the route feeds, without the server's timer: nothing is flushed in between.
    const { hooks } = servicesOver(server.db);
    const refuse = (hook: string, reason: 'rate limited' | 'missing header') =>
      hooks.recordRefusal({ hook, reason, senderIp: '203.0.113.9', headers: {} });
    refuse('busy-hook', 'rate limited');
    assert.equal(await hooks.flushRefusedCalls(), 1);
    // Over the rate limit, a call is refused before its hook is looked up, whatever its name.
    for (let i = 0; i < 150; i++) refuse(`no-such-${i}`, 'rate limited');
    refuse('real-hook', 'missing header');
    refuse('busy-hook', 'rate limited');
    assert.equal(await hooks.flushRefusedCalls(), 2);
    const kept = await hooks.listRefusedCalls({}, 10);
    assert.deepEqual(
      kept.items.map((call) => [call.hook, call.reason]),
      [
        ['busy-hook', 'rate limited'],
        ['real-hook', 'missing header'],
        ['busy-hook', 'rate limited'],
      ],
    );
  });
});
