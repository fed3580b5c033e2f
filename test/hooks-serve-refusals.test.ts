import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCli } from './helpers/cli.ts';
import { createTestDatabase } from './helpers/database.ts';
import { postHook, signedHeaders } from './helpers/hooks.ts';
import { spawnServer } from './helpers/process.ts';
import { TEST_SECRET_KEY } from './helpers/server.ts';

const LISTENING = /Server listening at http:\/\/127\.0\.0\.1:(\d+)/;
const PINO_ERROR = 50;

// Regression: the built server once answered 500, with an error-level stack trace, to every call
// a hook refused, while the suite (running a second compilation of src/) saw 401.
describe('hook calls refused by a built serve', () => {
  it('answers 401 or 403 problem+json to each forged call and logs none of them as an error', async (t) => {
    const database = await createTestDatabase();
    t.after(() => database.drop());
    const env = { ENDPOINT_DATABASE_URL: database.url, ENDPOINT_SECRET_KEY: TEST_SECRET_KEY };
    const cli = async (...args: string[]) => {
      const result = await runCli(args, { env });
      assert.equal(result.code, 0, result.stderr);
      return result.stdout.trim();
    };
    await cli('init-db');
    const secret = await cli('add-hook', '--name', 'signed', '--handler', 'inbox', '--verify', 'standard');
    await cli('add-hook', '--name', 'tokened', '--handler', 'inbox', '--verify', 'token');
    await cli('add-user', '--username', 'joe', '--password', 'Joe password 1234');
    const idOnly = await cli('add-token', '--username', 'joe', '--name', 'no scopes');

    const server = spawnServer(['serve', '--host', '127.0.0.1', '--port', '0'], {
      env: { ...env, ENDPOINT_HOOK_WORKER: 'off' },
    });
    t.after(() => server.child.kill('SIGKILL'));
    const base = `http://127.0.0.1:${LISTENING.exec(await server.waitFor(LISTENING))?.[1]}`;

    const payload = '{"type":"ping"}';
    const stale = new Date(Date.now() - 10 * 60_000);
    const calls: [string, string, Record<string, string>, number, string][] = [
      [
        'wrong secret',
        '/hooks/signed',
        await signedHeaders('standard', `whsec_${'A'.repeat(32)}`, 'm1', payload),
        401,
        'signature_invalid',
      ],
      [
        'stale timestamp',
        '/hooks/signed',
        await signedHeaders('standard', secret, 'm2', payload, stale),
        401,
        'timestamp_out_of_range',
      ],
      ['no signature', '/hooks/signed', { 'content-type': 'application/json' }, 401, 'signature_invalid'],
      ['no token', '/hooks/tokened', { 'content-type': 'application/json' }, 401, 'unauthenticated'],
      [
        'unknown token',
        '/hooks/tokened',
        { 'content-type': 'application/json', authorization: 'Bearer ep_nope' },
        401,
        'unauthenticated',
      ],
      [
        'token without hooks.call',
        '/hooks/tokened',
        { 'content-type': 'application/json', authorization: `Bearer ${idOnly}` },
        403,
        'forbidden',
      ],
    ];
    for (const [what, path, headers, status, code] of calls) {
      const response = await postHook(base, path, payload, headers);
      assert.equal(response.status, status, what);
      assert.equal(response.headers.get('content-type'), 'application/problem+json; charset=utf-8', what);
      assert.equal(((await response.json()) as { code: string }).code, code, what);
    }
    const signed = await postHook(
      base,
      '/hooks/signed',
      payload,
      await signedHeaders('standard', secret, 'm3', payload),
    );
    assert.equal(signed.status, 202, 'a correctly signed call is still taken');

    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0);
    const errors = server.output
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { level: number })
      .filter((entry) => entry.level >= PINO_ERROR);
    assert.deepEqual(errors, [], 'no refused call is logged at error level');
  });
});
