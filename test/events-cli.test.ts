import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { createDb } from './helpers/built.ts';
import { runCli } from './helpers/cli.ts';
import { createTestDatabase } from './helpers/database.ts';
import { EVENTS_ENV } from './helpers/events.ts';
import { TEST_SECRET_KEY } from './helpers/server.ts';

async function setUp(t: TestContext, extra: Record<string, string> = EVENTS_ENV) {
  const database = await createTestDatabase();
  t.after(() => database.drop());
  const env = { ENDPOINT_DATABASE_URL: database.url, ENDPOINT_SECRET_KEY: TEST_SECRET_KEY, ...extra };
  assert.equal((await runCli(['init-db'], { env })).code, 0);
  const db = createDb(database.url);
  t.after(() => db.destroy());
  return { env, db };
}

describe('the events commands', () => {
  it('add-subscription prints the secret alone on stdout; list, remove and list-event-types work', async (t) => {
    const { env, db } = await setUp(t);
    const added = await runCli(
      [
        'add-subscription',
        '--url',
        'http://127.0.0.1:9/hook',
        '--events',
        'user.created,token.created',
        '--description',
        'crm',
      ],
      { env },
    );
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stdout, /^whsec_[A-Za-z0-9+/]{32}\n$/);
    assert.match(added.stderr, /created subscription 1/);

    const listed = await runCli(['list-subscriptions'], { env });
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^ID\s+URL\s+EVENTS/);
    assert.match(listed.stdout, /1\s+http:\/\/127\.0\.0\.1:9\/hook\s+token\.created,user\.created\s+yes\s+crm/);
    assert.ok(!listed.stdout.includes(added.stdout.trim()));

    const types = await runCli(['list-event-types'], { env });
    assert.equal(types.code, 0, types.stderr);
    for (const type of ['user.created', 'link.saved', 'hook.delivery.failed', 'ping']) {
      assert.match(types.stdout, new RegExp(`^${type.replace('.', '\\.')}\\s`, 'm'));
    }

    const removed = await runCli(['remove-subscription', '--id', '1'], { env });
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal((await db.selectFrom('event_subscriptions').select('id').execute()).length, 0);
    const entry = await db
      .selectFrom('audit_entries')
      .select(['actor_kind', 'actor_username'])
      .where('action', '=', 'subscription.created')
      .executeTakeFirstOrThrow();
    assert.deepEqual(entry, { actor_kind: 'operator', actor_username: 'cli' });
  });

  it('refuses bad input with one error line, exit 1, and nothing stored', async (t) => {
    const { env, db } = await setUp(t, {});
    const cases: [string[], RegExp][] = [
      [['add-subscription', '--url', 'http://127.0.0.1/hook', '--events', 'ping'], /https/],
      [['add-subscription', '--url', 'https://169.254.169.254/x', '--events', 'ping'], /not a public address/],
      [
        ['add-subscription', '--url', 'https://93.184.215.14/x', '--events', 'nope.nope'],
        /unknown event type "nope\.nope"/,
      ],
      [['add-subscription', '--url', 'https://93.184.215.14/x', '--events', ','], /invalid subscription/],
      [['add-subscription', '--url', 'https://93.184.215.14/x'], /required option/],
      [['remove-subscription', '--id', 'x'], /error:/],
      [['remove-subscription', '--id', '7'], /no subscription with id 7/],
    ];
    for (const [args, message] of cases) {
      const result = await runCli(args, { env });
      assert.equal(result.code, 1, `${args.join(' ')}: ${result.stderr}`);
      assert.equal(result.stdout, '');
      assert.match(result.stderr, message);
      assert.ok(!result.stderr.includes('    at '), 'no stack trace');
    }
    assert.equal((await db.selectFrom('event_subscriptions').select('id').execute()).length, 0);
  });
});
