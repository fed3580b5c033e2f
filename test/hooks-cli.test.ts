import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { expectOk } from './helpers/api.ts';
import { runCli } from './helpers/cli.ts';
import { postHook, signedHeaders } from './helpers/hooks.ts';
import { startTestServer, TEST_SECRET_KEY } from './helpers/server.ts';

/** A running server and `endpoint(...)` running the real binary against its database and key. */
async function setUp(t: TestContext) {
  // No worker: replay's effect on a delivery is looked at before anything runs it.
  const server = await startTestServer(t, { env: { ENDPOINT_HOOK_WORKER: 'off' } });
  const endpoint = (args: string[]) =>
    runCli(args, { env: { ENDPOINT_DATABASE_URL: server.databaseUrl, ENDPOINT_SECRET_KEY: TEST_SECRET_KEY } });
  const hookRows = () => server.db.selectFrom('hooks').selectAll().orderBy('id').execute();
  return { server, endpoint, hookRows };
}

describe('add-hook, list-hooks and remove-hook', () => {
  it('add-hook prints the generated whsec_ secret alone on stdout, and deliveries signed with it are accepted', async (t) => {
    const { server, endpoint, hookRows } = await setUp(t);
    const added = await endpoint(['add-hook', '--name', 'billing', '--handler', 'inbox', '--verify', 'standard']);
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stdout, /^whsec_[A-Za-z0-9+/]{32}\n$/);
    assert.match(added.stderr, /created hook billing/);
    const secret = added.stdout.trim();

    const [row] = await hookRows();
    assert.doesNotMatch(JSON.stringify(row), new RegExp(secret.slice('whsec_'.length).replace(/[+/]/g, '\\$&')));

    const payload = '{"type":"ping"}';
    const sentAt = new Date();
    const headers = {
      'content-type': 'application/json',
      'webhook-id': 'msg_cli',
      'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
      'webhook-signature': new Webhook(secret).sign('msg_cli', sentAt, payload),
    };
    await expectOk(await postHook(server.url, '/hooks/billing', payload, headers), 202);
  });

  it("add-hook without ENDPOINT_SECRET_KEY seals with dev-server's kept key, and says what to do without one", async (t) => {
    const { server } = await setUp(t);
    const folder = mkdtempSync(join(tmpdir(), 'endpoint-dev-'));
    t.after(() => rmSync(folder, { recursive: true, force: true }));
    const inFolder = (args: string[]) =>
      runCli(args, { cwd: folder, env: { ENDPOINT_DATABASE_URL: server.databaseUrl, ENDPOINT_SECRET_KEY: '' } });
    const args = ['add-hook', '--name', 'dev', '--handler', 'inbox', '--verify', 'standard'];

    const refused = await inFolder(args);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^error: ENDPOINT_SECRET_KEY must be set \(or run from the folder where dev-server/);

    writeFileSync(join(folder, '.endpoint-secret-key'), `${TEST_SECRET_KEY}\n`);
    const added = await inFolder(args);
    assert.equal(added.code, 0, added.stderr);
    const payload = '{}';
    const headers = await signedHeaders('standard', added.stdout.trim(), 'msg_dev', payload);
    await expectOk(await postHook(server.url, '/hooks/dev', payload, headers), 202);
  });

  it('add-hook --verify token prints nothing on stdout; a token made by add-token with hooks.call calls it', async (t) => {
    const { server, endpoint, hookRows } = await setUp(t);
    const added = await endpoint(['add-hook', '--name', 'cron', '--handler', 'inbox', '--verify', 'token']);
    assert.equal(added.code, 0, added.stderr);
    assert.equal(added.stdout, '');
    assert.match(added.stderr, /created hook cron \(token, handler inbox\)/);
    assert.match(added.stderr, /no secret: callers send Authorization: Bearer <API token> with scope hooks\.call/);
    const [row] = await hookRows();
    assert.equal(row.verify_mode, 'token');

    for (const args of [
      ['add-user', '--username', 'cron', '--password', 'long enough password'],
      ['add-group', '--groupname', 'callers'],
      ['add-group-member', '--groupname', 'callers', '--membername', 'cron'],
      ['grant', '--groupname', 'callers', '--permission', 'hooks.call'],
    ]) {
      const result = await endpoint(args);
      assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
    }
    const token = await endpoint(['add-token', '--username', 'cron', '--name', 'nightly', '--scopes', 'hooks.call']);
    assert.equal(token.code, 0, token.stderr);
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${token.stdout.trim()}` };
    await expectOk(await postHook(server.url, '/hooks/cron', '{}', headers), 202);
  });

  it('list-hooks shows name, handler, verification, legacy path and creation, never a secret', async (t) => {
    const { endpoint } = await setUp(t);
    const github = await endpoint(['add-hook', '--name', 'gh', '--handler', 'inbox', '--verify', 'github']);
    assert.equal(github.code, 0, github.stderr);
    const twilioToken = '0123456789abcdef0123456789abcdef';
    const sms = await endpoint([
      'add-hook',
      '--name',
      'sms',
      '--handler',
      'inbox',
      '--verify',
      'twilio',
      '--secret',
      twilioToken,
      '--path',
      '/twilio/sms',
    ]);
    assert.equal(sms.code, 0, sms.stderr);
    assert.equal(sms.stdout, '', 'a secret that was given is not printed');

    const listed = await endpoint(['list-hooks']);
    assert.equal(listed.code, 0, listed.stderr);
    const lines = listed.stdout.trimEnd().split('\n');
    assert.match(lines[0], /^NAME\s+HANDLER\s+VERIFY\s+LEGACY PATH\s+CREATED$/);
    assert.match(lines[1], /^gh\s+inbox\s+github\s+-\s+\d{4}-\d\d-\d\dT/);
    assert.match(lines[2], /^sms\s+inbox\s+twilio\s+\/twilio\/sms\s+\d{4}-\d\d-\d\dT/);
    assert.equal(lines.length, 3);
    for (const secret of [github.stdout.trim(), twilioToken]) assert.ok(!listed.stdout.includes(secret));
  });

  it('refuses bad input with one error line and exit 1, creating nothing', async (t) => {
    const { endpoint, hookRows } = await setUp(t);
    const base = ['add-hook', '--name', 'h', '--handler', 'inbox'];
    const refused: [string[], RegExp][] = [
      [[...base, '--verify', 'twilio'], /twilio hook needs its secret/],
      [[...base, '--verify', 'token', '--secret', 's'], /a token hook has no secret/],
      [[...base, '--verify', 'carrier-pigeon'], /must be one of token, standard, github, twilio, stripe/],
      [['add-hook', '--name', 'h', '--handler', 'nope', '--verify', 'github'], /unknown handler "nope"/],
      [['add-hook', '--name', 'bad name', '--handler', 'inbox', '--verify', 'github'], /the name must be/],
      [[...base, '--verify', 'standard', '--secret', 'not base64!'], /whsec_ followed by base64/],
      [[...base, '--verify', 'standard', '--secret', 'whsec_AA=='], /standard secret must hold at least 24 bytes/],
      [[...base, '--verify', 'github', '--secret', 'x'], /github secret must be at least 16 characters/],
      [[...base, '--verify', 'twilio', '--secret', 't'], /twilio secret is the account's auth token/],
      [[...base, '--verify', 'github', '--path', 'no-slash'], /the path must look like/],
      [[...base, '--verify', 'github', '--path', '/api/x'], /must not be under/],
    ];
    for (const [args, message] of refused) {
      const result = await endpoint(args);
      assert.equal(result.code, 1, args.join(' '));
      assert.equal(result.stdout, '');
      assert.match(result.stderr, /^error: .*\n$/);
      assert.match(result.stderr, message);
    }
    assert.deepEqual(await hookRows(), []);
  });

  it('refuses a name or legacy path already taken', async (t) => {
    const { endpoint, hookRows } = await setUp(t);
    const args = ['add-hook', '--handler', 'inbox', '--verify', 'github', '--path', '/twilio/sms'];
    assert.equal((await endpoint([...args, '--name', 'first'])).code, 0);
    const sameName = await endpoint(['add-hook', '--name', 'first', '--handler', 'inbox', '--verify', 'github']);
    assert.match(sameName.stderr, /^error: hook name "first" is already taken\n$/);
    const samePath = await endpoint([...args, '--name', 'second']);
    assert.equal(samePath.code, 1);
    assert.match(samePath.stderr, /^error: .*already taken\n$/);
    assert.equal((await hookRows()).length, 1);
  });

  it('remove-hook removes the hook; an unknown one is an error', async (t) => {
    const { endpoint, hookRows } = await setUp(t);
    assert.equal((await endpoint(['add-hook', '--name', 'gh', '--handler', 'inbox', '--verify', 'github'])).code, 0);
    const removed = await endpoint(['remove-hook', '--name', 'gh']);
    assert.equal(removed.code, 0, removed.stderr);
    assert.deepEqual(await hookRows(), []);
    const again = await endpoint(['remove-hook', '--name', 'gh']);
    assert.equal(again.code, 1);
    assert.equal(again.stderr, 'error: no hook named "gh"\n');
  });
});

describe('replay', () => {
  it('sets a stored delivery pending again; refuses one being processed, a missing one and a bad id', async (t) => {
    const { server, endpoint } = await setUp(t);
    const added = await endpoint(['add-hook', '--name', 'billing', '--handler', 'inbox', '--verify', 'standard']);
    const payload = '{"type":"ping"}';
    const headers = await signedHeaders('standard', added.stdout.trim(), 'msg_replay', payload);
    const { id } = await expectOk(await postHook(server.url, '/hooks/billing', payload, headers), 202);
    const row = () =>
      server.db.selectFrom('hook_deliveries').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    await server.db
      .updateTable('hook_deliveries')
      .set({ status: 'failed', attempts: 10, last_error: 'gave up' })
      .where('id', '=', id)
      .execute();

    const replayed = await endpoint(['replay', '--id', String(id)]);
    assert.equal(replayed.code, 0, replayed.stderr);
    assert.equal(replayed.stdout, '');
    assert.equal(replayed.stderr, `delivery ${id} of hook billing is pending again\n`);
    assert.deepEqual((({ status, attempts, last_error }) => ({ status, attempts, last_error }))(await row()), {
      status: 'pending',
      attempts: 0,
      last_error: null,
    });

    await server.db.updateTable('hook_deliveries').set({ status: 'processing' }).where('id', '=', id).execute();
    const refused: [string, RegExp][] = [
      [String(id), new RegExp(`^error: delivery ${id} is being processed`)],
      [String(id + 1000), /^error: no such delivery\n$/],
      ['abc', /^error: --id must be a delivery id/],
    ];
    for (const [given, message] of refused) {
      const result = await endpoint(['replay', '--id', given]);
      assert.equal(result.code, 1, given);
      assert.match(result.stderr, message);
    }
    assert.equal((await row()).status, 'processing');
  });
});
