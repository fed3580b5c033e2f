import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectProblem } from './helpers/api.ts';
import { addHook, postHook, signedHeaders, twilioHeaders } from './helpers/hooks.ts';
import { pollUntil } from './helpers/process.ts';
import { startTestServer } from './helpers/server.ts';
import { servicesOver } from './helpers/services.ts';
import { createUser, OPERATOR } from './helpers/users.ts';

const PAYLOAD = '{"type":"ping"}';

describe('refused hook calls', () => {
  it('keeps each refusal with its reason, address, kept headers (signatures redacted) and a cut preview', async (t) => {
    const server = await startTestServer(t, { env: { ENDPOINT_HOOK_RATE_LIMIT: '3' } });
    const { app, url } = server;
    const standard = await addHook(app, 'standard-hook', 'standard');
    await addHook(app, 'twilio-hook', 'twilio', 'a1b2c3d4e5f60718293a4b5c6d7e8f90');
    await app.hooks.createHook(OPERATOR, { name: 'token-hook', handler: 'inbox', verify: 'token' });
    await addHook(app, 'limited-hook', 'github');
    const user = await createUser(app, 'sender');
    const scopeless = await app.tokens.create(OPERATOR, user.id, { name: 'no scope', scopes: [] });

    const big = `{"pad":"${'x'.repeat(1000)}"}`;
    const stale = await signedHeaders('standard', standard.secret, 'msg_old', PAYLOAD, new Date(Date.now() - 600_000));
    const forged = await signedHeaders('standard', `whsec_${Buffer.alloc(24, 1).toString('base64')}`, 'msg_1', big);
    await expectProblem(
      await postHook(url, '/hooks/standard-hook', PAYLOAD, { 'content-type': 'application/json' }),
      401,
      'signature_invalid',
    );
    await expectProblem(await postHook(url, '/hooks/standard-hook', big, forged), 401, 'signature_invalid');
    await expectProblem(await postHook(url, '/hooks/standard-hook', PAYLOAD, stale), 401, 'timestamp_out_of_range');
    const form = `Body=${'y'.repeat(140 * 1024)}`;
    const twilioUrl = `${url}/hooks/twilio-hook`;
    await expectProblem(
      await postHook(url, '/hooks/twilio-hook', form, twilioHeaders('a1b2c3d4e5f60718293a4b5c6d7e8f90', twilioUrl, {})),
      401,
      'signature_invalid',
    );
    const json = { 'content-type': 'application/json' };
    await expectProblem(await postHook(url, '/hooks/token-hook', PAYLOAD, json), 401, 'unauthenticated');
    await expectProblem(
      await postHook(url, '/hooks/token-hook', PAYLOAD, { ...json, authorization: 'Bearer ep_not_a_real_token' }),
      401,
      'unauthenticated',
    );
    await expectProblem(
      await postHook(url, '/hooks/token-hook', PAYLOAD, { ...json, authorization: `Bearer ${scopeless.token}` }),
      403,
      'forbidden',
    );
    for (let i = 0; i < 3; i++) await postHook(url, '/hooks/limited-hook', PAYLOAD, json);
    await expectProblem(await postHook(url, '/hooks/limited-hook', PAYLOAD, json), 429, 'too_many_requests');
    // A name no hook has keeps nothing: there is no hook to show it on.
    await expectProblem(await postHook(url, '/hooks/no-such-hook', PAYLOAD, json), 404, 'not_found');

    await app.hooks.flushRefusedCalls();
    const reasons = async (hook: string) =>
      (await app.hooks.listRefusedCalls({ hook }, 50)).items.map((call) => call.reason).reverse();
    assert.deepEqual(await reasons('standard-hook'), ['missing header', 'signature invalid', 'timestamp out of range']);
    assert.deepEqual(await reasons('twilio-hook'), ['form too large']);
    assert.deepEqual(await reasons('token-hook'), ['missing token', 'invalid token', 'not permitted']);
    assert.deepEqual(await reasons('limited-hook'), [
      'missing header',
      'missing header',
      'missing header',
      'rate limited',
    ]);
    const all = await app.hooks.listRefusedCalls({}, 50);
    assert.equal(all.items.length, 11);
    assert.ok(all.items.every((call) => call.hook !== 'no-such-hook'));

    const [forgedCall] = (await app.hooks.listRefusedCalls({ hook: 'standard-hook', reason: 'signature invalid' }, 5))
      .items;
    assert.equal(forgedCall.senderIp, '127.0.0.1');
    assert.equal(forgedCall.headers['webhook-id'], 'msg_1');
    assert.equal(forgedCall.headers['webhook-signature'], '[redacted]');
    assert.ok(!JSON.stringify(forgedCall).includes(forged['webhook-signature']));
    assert.equal(forgedCall.bodySize, Buffer.byteLength(big));
    assert.equal(forgedCall.preview, big.slice(0, 256));
    const [tokenCall] = (await app.hooks.listRefusedCalls({ hook: 'token-hook', reason: 'not permitted' }, 5)).items;
    assert.equal(tokenCall.headers.authorization, '[redacted]');
    assert.ok(!JSON.stringify(tokenCall).includes(scopeless.token));
    const [limited] = (await app.hooks.listRefusedCalls({ hook: 'limited-hook', reason: 'rate limited' }, 5)).items;
    assert.deepEqual({ preview: limited.preview, size: limited.bodySize }, { preview: '', size: 0 });
    const [tooLarge] = (await app.hooks.listRefusedCalls({ hook: 'twilio-hook' }, 5)).items;
    assert.equal(Buffer.byteLength(tooLarge.preview), 256);
  });

  it('writes them from the server’s own timer, without a flush by hand', async (t) => {
    const server = await startTestServer(t);
    await addHook(server.app, 'timed', 'standard');
    await expectProblem(
      await postHook(server.url, '/hooks/timed', PAYLOAD, { 'content-type': 'application/json' }),
      401,
      'signature_invalid',
    );
    await pollUntil('the refusal is written', 10_000, async () => {
      const rows = await server.db.selectFrom('hook_refused_calls').select('reason').execute();
      return rows.length === 1 && rows[0].reason === 'missing header';
    });
  });

  it('keeps at most 1,000 a hook, dropping the oldest first, and at most 100 a hook from one flush', async (t) => {
    const server = await startTestServer(t);
    await addHook(server.app, 'flooded', 'github');
    await addHook(server.app, 'quiet', 'github');
    const { hooks } = servicesOver(server.db);
    const refuse = (hook: string, i: number) =>
      hooks.recordRefusal({
        hook,
        reason: 'signature invalid',
        senderIp: '203.0.113.9',
        headers: { 'content-type': 'application/json' },
        body: Buffer.from(`call-${i}`),
      });
    for (let i = 0; i < 150; i++) refuse('flooded', i);
    refuse('quiet', 0);
    assert.equal(await hooks.flushRefusedCalls(), 101);
    const first = await hooks.listRefusedCalls({ hook: 'flooded' }, 200);
    assert.equal(first.items.length, 100);
    assert.deepEqual([first.items.at(-1)?.preview, first.items[0].preview], ['call-50', 'call-149']);

    for (let batch = 0; batch < 10; batch++) {
      for (let i = 0; i < 100; i++) refuse('flooded', 1000 + batch * 100 + i);
      await hooks.flushRefusedCalls();
    }
    const kept = await server.db
      .selectFrom('hook_refused_calls')
      .innerJoin('hooks', 'hooks.id', 'hook_refused_calls.hook_id')
      .select(['hooks.name', (eb) => eb.fn.countAll<number>().as('count')])
      .groupBy('hooks.name')
      .orderBy('hooks.name')
      .execute();
    assert.deepEqual(
      kept.map((row) => [row.name, Number(row.count)]),
      [
        ['flooded', 1000],
        ['quiet', 1],
      ],
    );
    // Keyset pages walk them all, newest first, without a repeat.
    const seen: string[] = [];
    let after: string | undefined;
    do {
      const page = await hooks.listRefusedCalls({ hook: 'flooded' }, 300, after);
      seen.push(...page.items.map((call) => call.preview));
      after = page.next;
    } while (after);
    assert.equal(seen.length, 1000);
    assert.deepEqual([seen[0], seen.at(-1)], ['call-1999', 'call-1000']);
  });

  it('drops them once older than ENDPOINT_REFUSED_RETENTION', async (t) => {
    const server = await startTestServer(t);
    await addHook(server.app, 'aging', 'github');
    let clock = new Date('2026-06-01T00:00:00Z');
    const { hooks } = servicesOver(server.db, { now: () => clock, env: { ENDPOINT_REFUSED_RETENTION: '1h' } });
    const refuse = (preview: string) =>
      hooks.recordRefusal({
        hook: 'aging',
        reason: 'missing header',
        senderIp: '203.0.113.9',
        headers: {},
        body: Buffer.from(preview),
      });
    refuse('old');
    await hooks.flushRefusedCalls();
    clock = new Date('2026-06-01T00:50:00Z');
    refuse('newer');
    await hooks.flushRefusedCalls();
    assert.equal((await hooks.listRefusedCalls({}, 10)).items.length, 2);
    clock = new Date('2026-06-01T01:30:00Z');
    // A flush with nothing buffered still prunes by age.
    assert.equal(await hooks.flushRefusedCalls(), 0);
    assert.deepEqual(
      (await hooks.listRefusedCalls({}, 10)).items.map((call) => call.preview),
      ['newer'],
    );
  });

  it('answers 400 for a page cursor it never made', async (t) => {
    const server = await startTestServer(t);
    await assert.rejects(server.app.hooks.listRefusedCalls({}, 10, 'nonsense'), { code: 'bad_request' });
  });
});
