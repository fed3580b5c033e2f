import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createDb } from './helpers/built.ts';
import { runCli } from './helpers/cli.ts';
import { createTestDatabase } from './helpers/database.ts';
import { freePort, spawnServer } from './helpers/process.ts';
import { TEST_SECRET_KEY } from './helpers/server.ts';
import { servicesOver } from './helpers/services.ts';
import { OPERATOR } from './helpers/users.ts';

const EXAMPLE_ENV = new URL('../deploy/endpoint.env.example', import.meta.url);
const LISTENING = /Server listening at http:\/\/127\.0\.0\.1:(\d+)/;

async function freshDatabase(t: { after(fn: () => Promise<void>): void }) {
  const database = await createTestDatabase();
  t.after(() => database.drop());
  return database;
}

describe('dev-server and serve', () => {
  it('dev-server migrates an empty database, keeps a secret key and prints a working setup link once', async (t) => {
    const database = await freshDatabase(t);
    const cwd = mkdtempSync(join(tmpdir(), 'endpoint-dev-'));
    const server = spawnServer(['dev-server', '--host', '127.0.0.1', '--port', '0'], {
      cwd,
      env: { ENDPOINT_DATABASE_URL: database.url },
    });
    t.after(() => server.child.kill('SIGKILL'));
    const port = Number(LISTENING.exec(await server.waitFor(LISTENING))?.[1]);
    const line = await server.waitFor(/setup\?token=/);
    const url = /(http:\/\/\S+)/.exec(line)?.[1] ?? '';
    assert.match(url, new RegExp(`^http://localhost:${port}/setup\\?token=[A-Za-z0-9_-]{32}$`));
    assert.equal(statSync(join(cwd, '.endpoint-secret-key')).mode & 0o777, 0o600);

    const setup = await fetch(url.replace('localhost', '127.0.0.1'));
    assert.equal(setup.status, 200);
    const wrong = await fetch(`http://127.0.0.1:${port}/setup?token=nope`);
    assert.equal(wrong.status, 404);

    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0);
    const token = new URL(url).searchParams.get('token') ?? '';
    assert.equal(
      server.output.filter((l) => l.includes(token)).length,
      1,
      'the token is printed once and never logged',
    );
  });

  it('prints the setup link at ENDPOINT_PUBLIC_URL, the host it allows, when that is set', async (t) => {
    const database = await freshDatabase(t);
    const port = await freePort();
    const publicUrl = `http://127.0.0.1:${port}`;
    const server = spawnServer(['dev-server', '--host', '127.0.0.1', '--port', String(port)], {
      cwd: mkdtempSync(join(tmpdir(), 'endpoint-dev-')),
      env: { ENDPOINT_DATABASE_URL: database.url, ENDPOINT_PUBLIC_URL: publicUrl },
    });
    t.after(() => server.child.kill('SIGKILL'));
    const url = /(http:\/\/\S+)/.exec(await server.waitFor(/setup\?token=/))?.[1] ?? '';
    assert.ok(url.startsWith(`${publicUrl}/setup?token=`), url);
    assert.equal((await fetch(url)).status, 200);
  });

  it('serve refuses to start without ENDPOINT_SECRET_KEY', async (t) => {
    const database = await freshDatabase(t);
    await runCli(['init-db'], { env: { ENDPOINT_DATABASE_URL: database.url } });
    const result = await runCli(['serve', '--port', '0'], {
      env: { ENDPOINT_DATABASE_URL: database.url, ENDPOINT_SECRET_KEY: '' },
    });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^error: ENDPOINT_SECRET_KEY must be set/);
    assert.equal(result.stderr.trim().split('\n').length, 1);
  });

  it('serve refuses the example key from deploy/endpoint.env.example and a key of few different characters', {
    timeout: 60_000,
  }, async (t) => {
    const database = await freshDatabase(t);
    await runCli(['init-db'], { env: { ENDPOINT_DATABASE_URL: database.url } });
    const example = /^ENDPOINT_SECRET_KEY=(.+)$/m.exec(readFileSync(EXAMPLE_ENV, 'utf8'))?.[1] ?? '';
    assert.ok(example.length >= 32, 'the example file shows a key long enough to pass the length rule');
    const refused: [string, RegExp][] = [
      [example, /^error: ENDPOINT_SECRET_KEY is the example value from deploy\/endpoint\.env\.example: make one with/],
      ['ab'.repeat(20), /^error: ENDPOINT_SECRET_KEY has fewer than 8 different characters: make one with/],
      ['changeme'.repeat(5), /^error: ENDPOINT_SECRET_KEY has fewer than 8 different characters/],
    ];
    for (const [key, message] of refused) {
      const result = await runCli(['serve', '--port', '0'], {
        env: { ENDPOINT_DATABASE_URL: database.url, ENDPOINT_SECRET_KEY: key },
      });
      assert.equal(result.code, 1, key);
      assert.match(result.stderr, message);
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    }
  });

  it('serve logs JSON lines without passwords, cookies, bearer tokens or secret query parameters, and stops cleanly on SIGTERM', async (t) => {
    const database = await freshDatabase(t);
    await runCli(['init-db'], { env: { ENDPOINT_DATABASE_URL: database.url } });
    const db = createDb(database.url);
    const { users } = servicesOver(db);
    const password = 'Leak-check password 9';
    await users.createUser(OPERATOR, { username: 'joe', password });
    await db.destroy();

    const server = spawnServer(['serve', '--host', '127.0.0.1', '--port', '0'], {
      env: { ENDPOINT_DATABASE_URL: database.url, ENDPOINT_SECRET_KEY: TEST_SECRET_KEY, ENDPOINT_LOG_LEVEL: 'trace' },
    });
    t.after(() => server.child.kill('SIGKILL'));
    const port = Number(LISTENING.exec(await server.waitFor(LISTENING))?.[1]);
    const base = `http://127.0.0.1:${port}`;

    const login = await fetch(`${base}/api/v1/users/authenticate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'joe', password }),
    });
    assert.equal(login.status, 200);
    // A bearer token that is not a live one is refused, and logged without its value.
    const bogus = await fetch(`${base}/api/v1/users/authenticated_user`, {
      headers: { authorization: 'Bearer ep_leakchecktoken' },
    });
    assert.equal(bogus.status, 401);
    const cookie = login.headers.getSetCookie()[0].split(';')[0];
    const sessionId = cookie.split('=')[1];
    const me = await fetch(`${base}/api/v1/users/authenticated_user`, { headers: { cookie } });
    assert.equal(me.status, 200);
    const inQuery = ['access-token-leak', 'sig-leak', 'code-leak', 'api-key-leak', 'signature-leak'];
    const query = `Access_Token=${inQuery[0]}&SIG=${inQuery[1]}&code=${inQuery[2]}&API_KEY=${inQuery[3]}&Signature=${inQuery[4]}`;
    assert.equal((await fetch(`${base}/healthz?${query}&probe=kept-in-log`)).status, 200);

    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0);
    const logs = server.output.filter((line) => line.trim() !== '');
    for (const line of logs) assert.doesNotThrow(() => JSON.parse(line), `not a JSON log line: ${line}`);
    const all = logs.join('\n');
    assert.match(all, /authenticated_user/, 'requests are logged');
    assert.match(all, /healthz\?Access_Token=\[redacted\]&SIG=\[redacted\].*probe=kept-in-log/);
    for (const secret of [password, sessionId, 'ep_leakchecktoken', ...inQuery]) {
      assert.equal(all.includes(secret), false, `a log line contains ${secret}`);
    }
  });
});
