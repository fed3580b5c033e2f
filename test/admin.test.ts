import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Client } from './helpers/http.ts';
import { csrfFrom, loggedIn, postForm } from './helpers/pages.ts';
import { startTestServer } from './helpers/server.ts';
import { adminNobodyAnonymous, createUser, OPERATOR, PASSWORD } from './helpers/users.ts';

describe('the admin', () => {
  it('sends anonymous visitors to the login page with next, and refuses users without admin.access with a 403 page', async (t) => {
    const server = await startTestServer(t);
    const { admin, nobody, anonymous } = await adminNobodyAnonymous(server);
    const away = await anonymous.get('/admin/users/users/?q=x');
    assert.equal(away.status, 303);
    assert.equal(away.headers.get('location'), `/user/login?next=${encodeURIComponent('/admin/users/users/?q=x')}`);
    const refused = await nobody.get('/admin');
    assert.equal(refused.status, 403);
    assert.match(refused.headers.get('content-type') ?? '', /^text\/html/);
    assert.equal((await nobody.get('/admin/users/users/')).status, 403);
    const index = await admin.get('/admin');
    assert.equal(index.status, 200);
    const html = await index.text();
    assert.match(html, /<a href="\/admin\/users\/users\/">Users<\/a><\/td><td class="number">2<\/td>/);
    assert.match(html, /href="\/admin">Admin<\/a>/);
    // The site's nav links to the admin for its users only.
    assert.match(await (await admin.get('/links')).text(), /href="\/admin">Admin<\/a>/);
    assert.doesNotMatch(await (await nobody.get('/links')).text(), /href="\/admin"/);
  });

  it('shows admin.access holders without users.view neither the users list nor its entry on the index', async (t) => {
    const server = await startTestServer(t);
    await createUser(server.app, 'helper', { groups: ['helpers'], permissions: ['admin.access', 'groups.view'] });
    const helper = await loggedIn(server.url, 'helper');
    const index = await helper.get('/admin');
    assert.equal(index.status, 200);
    const html = await index.text();
    assert.doesNotMatch(html, /\/admin\/users\/users\//);
    assert.match(html, /\/admin\/users\/groups\//);
    assert.equal((await helper.get('/admin/users/users/')).status, 403);
    assert.equal((await helper.get('/admin/users/users/1')).status, 403);
    // Groups are visible but not changeable: no Add control, and the form itself is a 403 page.
    const groups = await (await helper.get('/admin/users/groups/')).text();
    assert.doesNotMatch(groups, /Add group/);
    assert.equal((await helper.get('/admin/users/groups/add')).status, 403);
  });

  it('lists, searches, filters and pages users with keyset links', async (t) => {
    const server = await startTestServer(t);
    const { admin } = await adminNobodyAnonymous(server);
    for (let i = 0; i < 55; i += 1)
      await server.db
        .insertInto('users')
        .values(seedUser(`member${String(i).padStart(2, '0')}`, i % 2 === 0))
        .execute();
    const first = await (await admin.get('/admin/users/users/?sort=username')).text();
    assert.match(first, /57 users/);
    assert.match(first, />member00</);
    assert.doesNotMatch(first, />root</);
    const next = /href="([^"]+)" rel="next"/.exec(first);
    assert.ok(next, 'a next link');
    const second = await (await admin.get(next[1].replaceAll('&amp;', '&'))).text();
    assert.match(second, />root</);
    assert.doesNotMatch(second, />member00</);
    assert.match(second, /rel="prev"/);
    const searched = await (await admin.get('/admin/users/users/?q=MEMBER4')).text();
    assert.match(searched, /10 users/);
    const inactive = await (await admin.get('/admin/users/users/?f_active=0')).text();
    assert.match(inactive, /27 users/);
    assert.equal((await admin.get('/admin/users/users/?sort=password_hash')).status, 400);
    assert.equal((await admin.get('/admin/users/users/?after=bm90LWEtY3Vyc29y')).status, 400);
  });

  it('answers 400, never 500, to page links and queries a database would refuse', async (t) => {
    const server = await startTestServer(t);
    const { admin } = await adminNobodyAnonymous(server);
    const cursor = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const deliveryCursor = (text: string) => Buffer.from(text).toString('base64url');
    const tampered = [
      `/admin/users/users/?sort=username&after=${cursor(['a\u0000b', 1])}`,
      `/admin/users/users/?sort=username&before=${cursor(['a', 2 ** 40])}`,
      `/admin/users/users/?after=${cursor([1, 2 ** 31])}`,
      `/admin/hooks/deliveries/?after=${deliveryCursor('2026-12-01T00:00:00.000Z_99999999999')}`,
      `/admin/hooks/deliveries/?after=${deliveryCursor('2026-02-30T00:00:00.000Z_1')}`,
      '/admin/users/users/?q=%00',
      '/admin/audit/entries/?q=%00',
    ];
    for (const path of tampered) assert.equal((await admin.get(path)).status, 400, path);
  });

  it('escapes what rows hold on every page', async (t) => {
    const server = await startTestServer(t);
    const { admin } = await adminNobodyAnonymous(server);
    const group = await server.app.users.createGroup(OPERATOR, { name: '<img src=x onerror=alert(1)>' });
    for (const path of [
      '/admin/users/groups/',
      `/admin/users/groups/${group.id}`,
      `/admin/users/groups/${group.id}/edit`,
    ]) {
      const html = await (await admin.get(path)).text();
      assert.ok(!html.includes('<img src=x'), path);
      assert.match(html, /&lt;img src=x onerror=alert\(1\)&gt;/, path);
    }
  });

  it('refuses a form posted without its CSRF token and stores nothing', async (t) => {
    const server = await startTestServer(t);
    const { admin } = await adminNobodyAnonymous(server);
    await admin.get('/admin/users/groups/add');
    const response = await admin.request('/admin/users/groups/add', {
      method: 'POST',
      body: new URLSearchParams({ name: 'forged' }),
    });
    assert.equal(response.status, 403);
    await assert.rejects(server.app.users.getGroupByName('forged'));
  });

  it('shows a validation error next to its field, keeps what was typed, and stores nothing', async (t) => {
    const server = await startTestServer(t);
    const { admin } = await adminNobodyAnonymous(server);
    const response = await postForm(admin, '/admin/users/users/add', [
      ['username', 'bad name!'],
      ['password', PASSWORD],
      ['email', 'not-an-email'],
      ['first_name', 'Kept'],
    ]);
    assert.equal(response.status, 400);
    const html = await response.text();
    assert.match(html, /id="username-error">Letters, digits and @ \. \+ - _ only\.</);
    assert.match(html, /id="email-error">Enter a valid email address\.</);
    assert.match(html, /name="first_name" type="text" value="Kept"/);
    assert.doesNotMatch(html, /correct horse/);
    assert.equal(await server.app.users.countUsers(), 2);
  });

  it('creates a user, redirects with a message shown once, and edits their groups through the service', async (t) => {
    const server = await startTestServer(t);
    const { admin } = await adminNobodyAnonymous(server);
    await server.app.users.createGroup(OPERATOR, { name: 'staff' });
    const created = await postForm(admin, '/admin/users/users/add', [
      ['username', 'carol'],
      ['password', PASSWORD],
      ['active', 'on'],
    ]);
    assert.equal(created.status, 303);
    const carol = await server.app.users.getUserByUsername('carol');
    assert.equal(created.headers.get('location'), `/admin/users/users/${carol.id}`);
    const detail = await (await admin.get(`/admin/users/users/${carol.id}`)).text();
    assert.match(detail, /User carol created\./);
    assert.doesNotMatch(await (await admin.get(`/admin/users/users/${carol.id}`)).text(), /User carol created\./);
    const saved = await postForm(admin, `/admin/users/users/${carol.id}/edit`, [
      ['first_name', 'Carol'],
      ['active', 'on'],
      ['groups', 'staff'],
    ]);
    assert.equal(saved.status, 303);
    const after = await server.app.users.getUser(carol.id);
    assert.deepEqual(after.groups, ['staff']);
    assert.equal(after.first_name, 'Carol');
  });

  it('adds a member from the group form, and shows an unknown username by its field', async (t) => {
    const server = await startTestServer(t);
    const { admin } = await adminNobodyAnonymous(server);
    const staff = await server.app.users.createGroup(OPERATOR, { name: 'staff' });
    const unknown = await postForm(admin, `/admin/users/groups/${staff.id}/edit`, [['add_member', 'ghost']]);
    assert.equal(unknown.status, 400);
    assert.match(await unknown.text(), /id="add_member-error">There is no user named ghost\.</);
    const added = await postForm(admin, `/admin/users/groups/${staff.id}/edit`, [['add_member', 'nobody']]);
    assert.equal(added.status, 303);
    assert.deepEqual((await server.app.users.getUserByUsername('nobody')).groups, ['staff']);
    assert.match(await (await admin.get(`/admin/users/groups/${staff.id}`)).text(), />nobody</);
  });

  it('deactivates users in bulk after a confirmation page', async (t) => {
    const server = await startTestServer(t);
    const { admin } = await adminNobodyAnonymous(server);
    const a = await createUser(server.app, 'alpha');
    const b = await createUser(server.app, 'beta');
    const confirm = await admin.get(`/admin/users/users/actions?action=deactivate&ids=${a.id}&ids=${b.id}`);
    assert.equal(confirm.status, 200);
    const html = await confirm.text();
    assert.match(html, /2 users/);
    assert.equal((await server.app.users.getUser(a.id)).active, true);
    const done = await admin.request('/admin/users/users/actions', {
      method: 'POST',
      body: new URLSearchParams([
        ['_csrf', csrfFrom(html)],
        ['action', 'deactivate'],
        ['ids', String(a.id)],
        ['ids', String(b.id)],
      ]),
    });
    assert.equal(done.status, 303);
    assert.equal((await server.app.users.getUser(a.id)).active, false);
    assert.equal((await server.app.users.getUser(b.id)).active, false);
  });

  it('shows a new token once on the answer to the form, never in the list or a redirect, and revokes it', async (t) => {
    const server = await startTestServer(t);
    const { admin } = await adminNobodyAnonymous(server);
    const created = await postForm(admin, '/admin/tokens/tokens/add', [
      ['name', 'deploy'],
      ['scopes', 'users.view'],
    ]);
    assert.equal(created.status, 200);
    const html = await created.text();
    const token = /id="revealed" class="revealed" readonly rows="3">(ep_[^<]+)</.exec(html)?.[1];
    assert.ok(token, 'the token is on the page');
    const list = await (await admin.get('/admin/tokens/tokens/')).text();
    assert.match(list, />deploy</);
    assert.ok(!list.includes(token));
    const id = (await server.app.tokens.list({}, { limit: 10, offset: 0 })).items[0].id;
    assert.ok(!(await (await admin.get(`/admin/tokens/tokens/${id}`)).text()).includes(token));
    const confirm = await admin.get(`/admin/tokens/tokens/actions?action=revoke&ids=${id}&back=row`);
    const revoked = await admin.request('/admin/tokens/tokens/actions', {
      method: 'POST',
      body: new URLSearchParams({
        _csrf: csrfFrom(await confirm.text()),
        action: 'revoke',
        ids: String(id),
        back: 'row',
      }),
    });
    assert.equal(revoked.status, 303);
    // The revoked token has no page any more: back to the list.
    assert.equal(revoked.headers.get('location'), '/admin/tokens/tokens/');
    assert.equal((await server.app.tokens.list({}, { limit: 10, offset: 0 })).total, 0);
  });

  it('deletes a group after a confirmation page, and refuses to delete the admin group, changing nothing', async (t) => {
    const server = await startTestServer(t);
    const { admin } = await adminNobodyAnonymous(server);
    const temp = await server.app.users.createGroup(OPERATOR, { name: 'temp' });
    const confirm = await admin.get(`/admin/users/groups/${temp.id}/delete`);
    assert.equal(confirm.status, 200);
    assert.ok(await server.app.users.getGroup(temp.id));
    const deleted = await postForm(admin, `/admin/users/groups/${temp.id}/delete`, []);
    assert.equal(deleted.status, 303);
    assert.equal(deleted.headers.get('location'), '/admin/users/groups/');
    await assert.rejects(server.app.users.getGroup(temp.id));
    const list = await (await admin.get('/admin/users/groups/')).text();
    assert.match(list, /Group temp deleted\./);
    const adminGroup = await server.app.users.getGroupByName('admin');
    const refused = await postForm(admin, `/admin/users/groups/${adminGroup.id}/delete`, []);
    assert.equal(refused.status, 409);
    assert.equal((await server.app.users.getGroup(adminGroup.id)).name, 'admin');
  });

  it('shows a viewer no controls to change, and leaves out fields whose permission the caller lacks', async (t) => {
    const server = await startTestServer(t);
    const viewer = await createUser(server.app, 'viewer', {
      groups: ['viewers'],
      permissions: ['admin.access', 'users.view', 'users.change'],
    });
    const client = await loggedIn(server.url, 'viewer');
    const other = await createUser(server.app, 'other', { groups: ['staff'] });
    const detail = await (await client.get(`/admin/users/users/${other.id}`)).text();
    assert.match(detail, />Change</);
    assert.doesNotMatch(detail, />Delete</);
    const form = await (await client.get(`/admin/users/users/${other.id}/edit`)).text();
    assert.doesNotMatch(form, /name="groups"/);
    // Saving without the groups field leaves the groups as they were.
    const saved = await postForm(client, `/admin/users/users/${other.id}/edit`, [
      ['first_name', 'Otto'],
      ['active', 'on'],
    ]);
    assert.equal(saved.status, 303);
    assert.deepEqual((await server.app.users.getUser(other.id)).groups, ['staff']);
    assert.equal((await client.get(`/admin/users/users/${other.id}/delete`)).status, 403);
    // Their own password is changed through the API, with the current one; not here.
    const own = await postForm(client, `/admin/users/users/${viewer.id}/edit`, [
      ['password', 'a brand new password'],
      ['active', 'on'],
    ]);
    assert.equal(own.status, 400);
    assert.match(await own.text(), /id="password-error">Change your own password/);
    await new Client(server.url).login('viewer', PASSWORD);
  });

  it('refuses a partial admin who tries to give herself or others more than she holds, changing nothing', async (t) => {
    const server = await startTestServer(t);
    await createUser(server.app, 'root', { groups: ['admin'] });
    const held = ['admin.access', 'users.view', 'users.change', 'groups.view', 'groups.change'];
    const eve = await createUser(server.app, 'eve', { groups: ['helpers'], permissions: held });
    const client = await loggedIn(server.url, 'eve');
    const helpers = await server.app.users.getGroupByName('helpers');
    const root = await server.app.users.getUserByUsername('root');

    const joinAdmin = await postForm(client, `/admin/users/users/${eve.id}/edit`, [
      ['active', 'on'],
      ['groups', 'helpers'],
      ['groups', 'admin'],
    ]);
    assert.equal(joinAdmin.status, 403);
    assert.deepEqual((await server.app.users.getUser(eve.id)).groups, ['helpers']);

    const grant = await postForm(client, `/admin/users/groups/${helpers.id}/edit`, [
      ['name', 'helpers'],
      ...held.map((codename): [string, string] => ['permissions', codename]),
      ['permissions', 'users.delete'],
    ]);
    assert.equal(grant.status, 403);
    assert.deepEqual(await server.app.users.groupPermissions(helpers.id), [...held].sort());

    const takeOver = await postForm(client, `/admin/users/users/${root.id}/edit`, [
      ['first_name', 'Hijacked'],
      ['password', 'a brand new password'],
      ['active', 'on'],
      ['groups', 'admin'],
    ]);
    assert.equal(takeOver.status, 403);
    assert.equal((await server.app.users.getUser(root.id)).first_name, '');
    // Root's password is still the old one: logging in with it throws otherwise.
    await new Client(server.url).login('root', PASSWORD);
  });
});

function seedUser(username: string, active: boolean) {
  const at = new Date().toISOString();
  return {
    username,
    username_key: username,
    password_hash: 'x',
    first_name: '',
    last_name: '',
    email: `${username}@example.com`,
    active: active ? 1 : 0,
    created_at: at,
    updated_at: at,
    last_login_at: null,
  };
}
