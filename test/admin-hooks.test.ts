import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Db } from '../src/core/db.ts';
import { assertTrailHoldsNone, auditRows } from './helpers/audit.ts';
import { addHook, postHook, twilioHeaders } from './helpers/hooks.ts';
import { csrfFrom, loggedIn, postForm } from './helpers/pages.ts';
import { pollUntil } from './helpers/process.ts';
import { startTestServer } from './helpers/server.ts';
import { adminNobodyAnonymous, createUser, OPERATOR } from './helpers/users.ts';

async function failAll(db: Db, hookId: number): Promise<void> {
  await db
    .updateTable('hook_deliveries')
    .set({ status: 'failed', attempts: 10, last_error: 'gave up' })
    .where('hook_id', '=', hookId)
    .execute();
}

describe('hooks in the admin', () => {
  it('guards hook, delivery and refused-call pages by the hooks permissions', async (t) => {
    const server = await startTestServer(t);
    const { admin, nobody, anonymous } = await adminNobodyAnonymous(server);
    const hook = await addHook(server.app, 'guarded', 'github');
    await postHook(server.url, '/hooks/guarded', '{}', { 'content-type': 'application/json' });
    await server.app.hooks.flushRefusedCalls();
    const [refused] = (await server.app.hooks.listRefusedCalls({}, 1)).items;
    await createUser(server.app, 'viewer', { groups: ['viewers'], permissions: ['admin.access', 'hooks.view'] });
    await createUser(server.app, 'bare', { groups: ['bare'], permissions: ['admin.access'] });
    const viewer = await loggedIn(server.url, 'viewer');
    const bare = await loggedIn(server.url, 'bare');

    const pages = [
      '/admin/hooks/hooks/',
      `/admin/hooks/hooks/${hook.id}`,
      '/admin/hooks/deliveries/',
      '/admin/hooks/refused/',
      `/admin/hooks/refused/${refused.id}`,
      '/admin/hooks/search',
    ];
    for (const path of pages) {
      assert.equal((await anonymous.get(path)).status, 303, path);
      assert.equal((await nobody.get(path)).status, 403, path);
      assert.equal((await bare.get(path)).status, 403, path);
      assert.equal((await viewer.get(path)).status, 200, path);
      assert.equal((await admin.get(path)).status, 200, path);
    }
    // Viewing is not changing: no console, no add, no rotate for a viewer, and the server refuses them anyway.
    const detail = await (await viewer.get(`/admin/hooks/hooks/${hook.id}`)).text();
    assert.doesNotMatch(detail, /Test console|Rotate secret/);
    assert.equal((await viewer.get(`/admin/hooks/console/${hook.id}`)).status, 403);
    assert.equal((await viewer.get('/admin/hooks/hooks/add')).status, 403);
    assert.equal((await viewer.get('/admin/hooks/replay-failed')).status, 403);
    const adminDetail = await (await admin.get(`/admin/hooks/hooks/${hook.id}`)).text();
    assert.match(adminDetail, /Test console/);
    assert.match(adminDetail, /Rotate secret/);
    assert.match(adminDetail, /http:\/\/127\.0\.0\.1:\d+\/hooks\/guarded/);
    assert.match(adminDetail, /Settings → Webhooks/);
    assert.match(adminDetail, /missing header/);
    assert.equal((await admin.get('/admin/hooks/hooks/999999')).status, 404);
    assert.equal((await admin.get('/admin/hooks/deliveries/999999')).status, 404);
    assert.equal((await admin.get('/admin/hooks/console/999999')).status, 404);
  });

  it('creates a hook showing its secret once, and rotates it showing the new one once', async (t) => {
    const server = await startTestServer(t);
    const { admin } = await adminNobodyAnonymous(server);
    const created = await postForm(admin, '/admin/hooks/hooks/add', [
      ['name', 'billing'],
      ['handler', 'inbox'],
      ['verify', 'standard'],
    ]);
    const page = await created.text();
    assert.equal(created.status, 200, page);
    const secret = /<textarea id="revealed"[^>]*>(whsec_[^<]+)<\/textarea>/.exec(page)?.[1];
    assert.ok(secret, 'the secret is on the answer page');
    const hook = await server.app.hooks.getHook('billing');
    const detail = await (await admin.get(`/admin/hooks/hooks/${hook.id}`)).text();
    assert.ok(!detail.includes(secret), 'the detail page never shows the secret');
    const list = await (await admin.get('/admin/hooks/hooks/')).text();
    assert.ok(!list.includes(secret));

    const rotated = await postForm(
      admin,
      '/admin/hooks/hooks/actions',
      [
        ['action', 'rotate'],
        ['ids', String(hook.id)],
        ['back', 'row'],
      ],
      `/admin/hooks/hooks/actions?action=rotate&ids=${hook.id}&back=row`,
    );
    const rotatedPage = await rotated.text();
    const fresh = /<textarea id="revealed"[^>]*>(whsec_[^<]+)<\/textarea>/.exec(rotatedPage)?.[1];
    assert.ok(fresh && fresh !== secret, rotatedPage);
  });

  it('changes a hook through its edit form, a new verification mode showing its new secret once', async (t) => {
    const server = await startTestServer(t);
    const { admin } = await adminNobodyAnonymous(server);
    const hook = await addHook(server.app, 'editable', 'github');
    const form = await admin.get(`/admin/hooks/hooks/${hook.id}/edit`);
    assert.equal(form.status, 200);
    assert.match(await form.text(), /<label for="path">Extra path \(optional\)<\/label>/);
    const changed = await postForm(admin, `/admin/hooks/hooks/${hook.id}/edit`, [
      ['handler', 'inbox'],
      ['verify', 'standard'],
      ['path', '/legacy/editable'],
    ]);
    const page = await changed.text();
    assert.equal(changed.status, 200, page);
    assert.match(page, /<textarea id="revealed"[^>]*>whsec_/);
    const after = await server.app.hooks.getHook('editable');
    assert.deepEqual([after.verify, after.legacy_path], ['standard', '/legacy/editable']);
    // A bad path is refused, nothing changes.
    const refused = await postForm(admin, `/admin/hooks/hooks/${hook.id}/edit`, [
      ['handler', 'inbox'],
      ['verify', 'standard'],
      ['path', 'no-slash'],
    ]);
    assert.equal(refused.status, 400);
    assert.equal((await server.app.hooks.getHook('editable')).legacy_path, '/legacy/editable');
  });

  it('sends a test delivery from the console and shows its outcome', async (t) => {
    const server = await startTestServer(t);
    const { admin } = await adminNobodyAnonymous(server);
    const hook = await addHook(server.app, 'consoled', 'stripe');
    const answer = await postForm(admin, `/admin/hooks/console/${hook.id}`, []);
    const html = await answer.text();
    assert.equal(answer.status, 200, html);
    assert.match(html, /<dd>202 application\/json/);
    const id = Number(/href="\/admin\/hooks\/deliveries\/(\d+)"/.exec(html)?.[1]);
    await pollUntil('the delivery is handled', 10_000, async () => {
      const detail = await (await admin.get(`/admin/hooks/deliveries/${id}`)).text();
      return /<dd>done<\/dd>/.test(detail);
    });
  });

  it('shows a delivery body escaped and pretty-printed, cut past 64 KiB, and downloads it whole as bytes', async (t) => {
    const server = await startTestServer(t, { env: { ENDPOINT_HOOK_WORKER: 'off' } });
    const { admin } = await adminNobodyAnonymous(server);
    const user = await createUser(server.app, 'caller', { groups: ['callers'], permissions: ['hooks.call'] });
    const { token } = await server.app.tokens.create(OPERATOR, user.id, { name: 'c', scopes: ['hooks.call'] });
    await server.app.hooks.createHook(OPERATOR, { name: 'tok', handler: 'inbox', verify: 'token' });
    const call = (body: string) =>
      postHook(server.url, '/hooks/tok', body, {
        'content-type': 'application/json',
        authorization: `Bearer ${token}`,
      });
    const small = (await (await call('{"note":"<script>alert(1)</script>"}')).json()) as { id: number };
    const big = `{"pad":"${'a'.repeat(70 * 1024)}<script>x</script>"}`;
    const large = (await (await call(big)).json()) as { id: number };

    const html = await (await admin.get(`/admin/hooks/deliveries/${small.id}`)).text();
    assert.ok(!html.includes('<script>alert(1)</script>'), 'no live script tag');
    assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.match(html, /\{\n {2}&quot;note&quot;/, 'pretty-printed');
    assert.ok(!html.includes(token), 'no credential on the page');

    const largeHtml = await (await admin.get(`/admin/hooks/deliveries/${large.id}`)).text();
    assert.match(largeHtml, /Body \(the first 64 KiB\)/);
    assert.ok(!largeHtml.includes('&lt;script&gt;x'), 'the tail past 64 KiB is not shown');
    const download = await admin.get(`/admin/hooks/body/${large.id}`);
    assert.equal(download.status, 200);
    assert.equal(download.headers.get('content-type'), 'application/octet-stream');
    assert.equal(download.headers.get('x-content-type-options'), 'nosniff');
    assert.match(download.headers.get('content-disposition') ?? '', /^attachment; filename="delivery-\d+\.bin"$/);
    assert.equal(await download.text(), big);
  });

  it('replays one delivery, and every failed one of a search after a confirmation page', async (t) => {
    const server = await startTestServer(t, { env: { ENDPOINT_HOOK_WORKER: 'off' } });
    const { admin } = await adminNobodyAnonymous(server);
    const user = await createUser(server.app, 'caller', { groups: ['callers'], permissions: ['hooks.call'] });
    const { token } = await server.app.tokens.create(OPERATOR, user.id, { name: 'c', scopes: ['hooks.call'] });
    const hook = await server.app.hooks.createHook(OPERATOR, { name: 'tok', handler: 'inbox', verify: 'token' });
    const other = await server.app.hooks.createHook(OPERATOR, { name: 'other', handler: 'inbox', verify: 'token' });
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
    for (const name of ['tok', 'tok', 'tok', 'other']) await postHook(server.url, `/hooks/${name}`, '{}', headers);
    await failAll(server.db, hook.hook.id);
    await failAll(server.db, other.hook.id);
    const [first] = (await server.app.hooks.listDeliveriesPage({ hook: 'tok' }, 1)).items;

    const one = await postForm(
      admin,
      '/admin/hooks/deliveries/actions',
      [
        ['action', 'replay'],
        ['ids', String(first.id)],
        ['back', 'row'],
      ],
      `/admin/hooks/deliveries/actions?action=replay&ids=${first.id}&back=row`,
    );
    assert.equal(one.status, 303);
    assert.equal((await server.app.hooks.getDelivery(first.id)).status, 'pending');

    const search = await (await admin.get('/admin/hooks/search?hook=tok&status=failed')).text();
    assert.match(search, /2 deliveries/);
    const confirmPath = /href="(\/admin\/hooks\/replay-failed\?[^"]+)"/.exec(search)?.[1].replaceAll('&amp;', '&');
    assert.ok(confirmPath);
    const confirm = await (await admin.get(confirmPath)).text();
    assert.match(confirm, /<strong>2<\/strong> deliveries failed and match/);
    const replayed = await admin.request('/admin/hooks/replay-failed', {
      method: 'POST',
      body: new URLSearchParams({ _csrf: csrfFrom(confirm), hook: 'tok', since: '', until: '' }),
    });
    assert.equal(replayed.status, 303);
    const after = await (await admin.get(replayed.headers.get('location') ?? '')).text();
    assert.match(after, /2 failed deliveries replayed/);
    assert.deepEqual(await server.app.hooks.countDeliveries('tok'), { pending: 3, processing: 0, done: 0, failed: 0 });
    assert.equal((await server.app.hooks.countDeliveries('other')).failed, 1, 'another hook is left alone');
    // A search that names no hook, or no time, is answered on the page, not with an error page.
    const bad = await admin.get('/admin/hooks/search?hook=nope&since=yesterday');
    assert.equal(bad.status, 200);
    assert.match(await bad.text(), /role="alert"/);
  });

  it('lists refused calls with reason, address, redacted headers and an escaped preview', async (t) => {
    const server = await startTestServer(t);
    const { admin } = await adminNobodyAnonymous(server);
    await addHook(server.app, 'forged', 'github');
    await postHook(server.url, '/hooks/forged', '{"x":"<script>alert(2)</script>"}', {
      'content-type': 'application/json',
      'x-hub-signature-256': `sha256=${'00'.repeat(32)}`,
      'x-github-delivery': 'abc',
    });
    await server.app.hooks.flushRefusedCalls();
    const list = await (await admin.get('/admin/hooks/refused/?q=forged&f_reason=signature+invalid')).text();
    assert.match(list, /signature invalid/);
    assert.match(list, /127\.0\.0\.1/);
    const id = /href="\/admin\/hooks\/refused\/(\d+)"/.exec(list)?.[1];
    const detail = await (await admin.get(`/admin/hooks/refused/${id}`)).text();
    assert.match(detail, /&quot;x-hub-signature-256&quot;: &quot;\[redacted\]&quot;/);
    assert.ok(!detail.includes('00'.repeat(32)));
    assert.ok(!detail.includes('<script>alert(2)'));
    assert.match(detail, /&lt;script&gt;alert\(2\)/);
  });

  it("takes a Twilio hook's new Auth Token from its edit form, rotated in beside the old one", async (t) => {
    const server = await startTestServer(t, { env: { ENDPOINT_HOOK_WORKER: 'off' } });
    const { admin } = await adminNobodyAnonymous(server);
    const oldToken = '0123456789abcdef0123456789abcdef';
    const newToken = 'fedcba9876543210fedcba9876543210';
    const hook = await addHook(server.app, 'sms', 'twilio', oldToken);
    const edit = `/admin/hooks/hooks/${hook.id}/edit`;
    const hooks = () => server.db.selectFrom('hooks').selectAll().execute();
    const before = await hooks();

    // Not an Auth Token: refused on the form's page, the hook as it was.
    const refused = await postForm(admin, edit, [['secret', 'short']]);
    assert.ok(refused.status >= 400 && refused.status < 500, `status ${refused.status}`);
    assert.deepEqual(await hooks(), before);

    const changed = await postForm(admin, edit, [['secret', newToken]]);
    assert.equal(changed.status, 303);
    const url = `${server.url}/hooks/sms`;
    const call = (token: string, sid: string) => {
      const params = { MessageSid: sid, From: '+15550001111', Body: 'hi' };
      return postHook(
        server.url,
        '/hooks/sms',
        new URLSearchParams(params).toString(),
        twilioHeaders(token, url, params),
      );
    };
    assert.ok((await call(newToken, 'SM1')).status < 300, 'the new Auth Token verifies');
    assert.ok((await call(oldToken, 'SM2')).status < 300, 'the old one still verifies during the overlap');
    assert.equal((await call('00112233445566778899aabbccddeeff', 'SM3')).status, 401);
    assert.equal((await auditRows(server.db, 'hook.secret_rotated', 'hook:sms')).length, 1);
    await assertTrailHoldsNone(server.db, [newToken, oldToken]);
  });
});
