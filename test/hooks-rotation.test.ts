import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { expectOk, expectProblem } from './helpers/api.ts';
import { createSecretBox } from './helpers/built.ts';
import { runCli } from './helpers/cli.ts';
import { addHook, postHook, signedHeaders, storedDeliveries } from './helpers/hooks.ts';
import { Client } from './helpers/http.ts';
import { startTestServer, TEST_SECRET_KEY } from './helpers/server.ts';
import { servicesOver } from './helpers/services.ts';
import { createUser, OPERATOR, PASSWORD } from './helpers/users.ts';

const HOUR = 3_600_000;

/** A server, an admin client, and `send(mode, hook, secret)`: the status of a freshly signed delivery. */
async function setUp(t: TestContext) {
  const server = await startTestServer(t);
  await createUser(server.app, 'boss', { groups: ['admin'] });
  const admin = new Client(server.url);
  await admin.login('boss', PASSWORD);
  let sent = 0;
  const send = async (mode: 'standard' | 'github', hook: string, secret: string) => {
    sent += 1;
    const payload = `{"n":${sent}}`;
    const headers = await signedHeaders(mode, secret, `msg_${sent}`, payload);
    return (await postHook(server.url, `/hooks/${hook}`, payload, headers)).status;
  };
  /** The hooks service over the server's database with its clock set `offsetMs` from now. */
  const serviceAt = (offsetMs: number) => servicesOver(server.db, { now: () => new Date(Date.now() + offsetMs) }).hooks;
  return { server, admin, send, serviceAt };
}

describe('rotating a hook secret', () => {
  it('accepts the old secret during the overlap and the new one at once; the new one is shown once', async (t) => {
    const { server, admin, send } = await setUp(t);
    const hook = await addHook(server.app, 'billing', 'standard');
    const before = Date.now();
    const rotated = await expectOk(await admin.post('/api/v1/hooks/billing/rotate-secret'));
    assert.match(rotated.secret, /^whsec_/);
    assert.notEqual(rotated.secret, hook.secret);
    const expires = Date.parse(rotated.previous_secret_expires_at);
    assert.ok(expires >= before + 24 * HOUR && expires <= Date.now() + 24 * HOUR, rotated.previous_secret_expires_at);
    assert.equal((await expectOk(await admin.get('/api/v1/hooks/billing'))).secret, undefined);

    assert.equal(await send('standard', 'billing', hook.secret), 202);
    assert.equal(await send('standard', 'billing', rotated.secret), 202);

    // A second rotation keeps both earlier secrets for its own overlap; 0s then drops them all.
    const again = await expectOk(await admin.post('/api/v1/hooks/billing/rotate-secret', { overlap: '1h' }));
    for (const secret of [hook.secret, rotated.secret, again.secret]) {
      assert.equal(await send('standard', 'billing', secret), 202);
    }
    const given = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwXy0bTz9k';
    const now = await expectOk(
      await admin.post('/api/v1/hooks/billing/rotate-secret', { secret: given, overlap: '0s' }),
    );
    assert.equal(now.secret, undefined, 'a given secret is not shown back');
    assert.equal(now.previous_secret_expires_at, null);
    for (const secret of [hook.secret, rotated.secret, again.secret]) {
      assert.equal(await send('standard', 'billing', secret), 401);
    }
    assert.equal(await send('standard', 'billing', given), 202);
    assert.equal((await storedDeliveries(server.db, hook.id)).length, 6);
  });

  for (const mode of ['standard', 'github'] as const) {
    it(`${mode}: refuses the old secret once the overlap has passed, and accepts the new one`, async (t) => {
      const { server, send, serviceAt } = await setUp(t);
      const lapsed = await addHook(server.app, 'lapsed', mode);
      const open = await addHook(server.app, 'open', mode);
      // Rotated 25 and 23 hours ago with the default 24-hour overlap; verified with the real clock.
      const lapsedRotation = await serviceAt(-25 * HOUR).rotateSecret(OPERATOR, 'lapsed', {});
      const openRotation = await serviceAt(-23 * HOUR).rotateSecret(OPERATOR, 'open', {});
      assert.equal(await send(mode, 'lapsed', lapsed.secret), 401);
      assert.equal(await send(mode, 'lapsed', lapsedRotation.generatedSecret ?? ''), 202);
      assert.equal(await send(mode, 'open', open.secret), 202);
      assert.equal(await send(mode, 'open', openRotation.generatedSecret ?? ''), 202);
    });
  }

  it('reads secrets stored as plain sealed strings, as rows written before rotation existed', async (t) => {
    const { server, admin, send } = await setUp(t);
    const hook = await addHook(server.app, 'legacy', 'github');
    const sealed = createSecretBox(TEST_SECRET_KEY).seal(hook.secret);
    await server.db
      .updateTable('hooks')
      .set({ secrets: JSON.stringify([sealed]) })
      .where('id', '=', hook.id)
      .execute();
    assert.equal(await send('github', 'legacy', hook.secret), 202);
    const rotated = await expectOk(await admin.post('/api/v1/hooks/legacy/rotate-secret', {}));
    assert.equal(await send('github', 'legacy', hook.secret), 202);
    assert.equal(await send('github', 'legacy', rotated.secret), 202);
    const row = await server.db
      .selectFrom('hooks')
      .select('secrets')
      .where('id', '=', hook.id)
      .executeTakeFirstOrThrow();
    const stored = JSON.parse(row.secrets);
    assert.deepEqual(stored[1], { sealed, expires_at: rotated.previous_secret_expires_at });
    assert.equal(stored[0].expires_at, null);
  });

  it('refuses a bad rotation with problem+json, changing nothing', async (t) => {
    const { server, admin } = await setUp(t);
    await addHook(server.app, 'billing', 'standard');
    await addHook(server.app, 'sms', 'twilio', '0123456789abcdef0123456789abcdef');
    await createUser(server.app, 'viewer', { groups: ['ops'], permissions: ['hooks.view'] });
    const viewer = new Client(server.url);
    await viewer.login('viewer', PASSWORD);
    const anonymous = new Client(server.url);
    const rows = () => server.db.selectFrom('hooks').selectAll().orderBy('id').execute();
    const before = await rows();
    const scenarios: [Client, string, unknown, number, string][] = [
      [anonymous, 'billing', { overlap: 'forever' }, 401, 'unauthenticated'],
      [viewer, 'billing', { overlap: 'forever' }, 403, 'forbidden'],
      [admin, 'nope', {}, 404, 'not_found'],
      [admin, 'billing', { overlap: 'forever' }, 400, 'validation_failed'],
      [admin, 'billing', { overlap: '31d' }, 400, 'bad_request'],
      [admin, 'billing', { secret: 'not base64!' }, 400, 'bad_request'],
      [admin, 'billing', { secret: 'whsec_AA==' }, 400, 'bad_request'],
      [admin, 'sms', { secret: 'abc123' }, 400, 'bad_request'],
      [admin, 'sms', {}, 400, 'bad_request'],
    ];
    for (const [client, name, body, status, code] of scenarios) {
      const response = await client.post(`/api/v1/hooks/${name}/rotate-secret`, body);
      await expectProblem(response, status, code);
    }
    assert.deepEqual(await rows(), before);
  });

  it('rotate-hook-secret prints a generated secret alone on stdout, a given one not at all', async (t) => {
    const { server, send } = await setUp(t);
    const hook = await addHook(server.app, 'billing', 'standard');
    const endpoint = (args: string[]) =>
      runCli(args, { env: { ENDPOINT_DATABASE_URL: server.databaseUrl, ENDPOINT_SECRET_KEY: TEST_SECRET_KEY } });

    const rotated = await endpoint(['rotate-hook-secret', '--name', 'billing']);
    assert.equal(rotated.code, 0, rotated.stderr);
    assert.match(rotated.stdout, /^whsec_[A-Za-z0-9+/]{32}\n$/);
    assert.match(rotated.stderr, /old secrets verify until \d{4}-/);
    assert.equal(await send('standard', 'billing', hook.secret), 202);
    assert.equal(await send('standard', 'billing', rotated.stdout.trim()), 202);

    const given = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwXy0bTz9k';
    const now = await endpoint(['rotate-hook-secret', '--name', 'billing', '--secret', given, '--overlap', '0s']);
    assert.equal(now.code, 0, now.stderr);
    assert.equal(now.stdout, '');
    assert.match(now.stderr, /old secrets no longer verify/);
    assert.equal(await send('standard', 'billing', rotated.stdout.trim()), 401);
    assert.equal(await send('standard', 'billing', given), 202);

    for (const [args, message] of [
      [['--name', 'nope'], /^error: no hook named "nope"\n$/],
      [['--name', 'billing', '--overlap', 'soon'], /^error: the overlap must be/],
      [['--name', 'billing', '--secret', 'whsec_AA=='], /^error: a standard secret must hold at least 24 bytes/],
    ] as const) {
      const refused = await endpoint(['rotate-hook-secret', ...args]);
      assert.equal(refused.code, 1);
      assert.equal(refused.stdout, '');
      assert.match(refused.stderr, message);
    }
  });
});
