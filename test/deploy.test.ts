// The deploy kit as shipped in deploy/: nginx with the shipped site, terminating TLS in front of
// two `serve` instances on one PostgreSQL database, configured as the example environment file
// says; and the systemd unit as systemd reads it. A kit nobody runs stops working unnoticed.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import twilio from 'twilio';
import { createDb } from './helpers/built.ts';
import { DATABASE_KIND } from './helpers/database.ts';
import { startInstances } from './helpers/instances.ts';
import { freePort, pollUntil } from './helpers/process.ts';
import { PASSWORD } from './helpers/users.ts';

const root = fileURLToPath(new URL('../', import.meta.url));
const NGINX = '/usr/sbin/nginx';
const HOST = 'endpoint.test';
// The address the test's requests come from, which only X-Forwarded-For tells the instances: nginx
// itself reaches them from 127.0.0.1.
const CLIENT_ADDRESS = '127.0.0.2';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Replaces `from` in `text`, asserting it occurs exactly `times` times, so the shipped file and this test cannot drift apart. */
function replaceIn(text: string, from: string, to: string, times = 1): string {
  assert.equal(text.split(from).length - 1, times, `the shipped file holds "${from}" ${times} time(s)`);
  return text.replaceAll(from, to);
}

/**
 * The variables deploy/endpoint.env.example sets (commented-out ones left out). systemd takes
 * everything after `=` as the value, so no line, set or commented out, may carry a comment after it.
 */
function exampleEnv(): Record<string, string> {
  const text = readFileSync(join(root, 'deploy/endpoint.env.example'), 'utf8');
  for (const line of text.split('\n').filter((line) => /^(# )?[A-Z_]+=/.test(line))) {
    assert.doesNotMatch(line.replace(/^# /, ''), /\s/, `a value without spaces or comments: ${line}`);
  }
  const lines = text.split('\n').filter((line) => /^[A-Z_]+=/.test(line));
  return Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
}

/** A self-signed certificate for HOST in `dir`, as a certificate authority would issue one. */
function makeCertificate(dir: string): { cert: string; key: string } {
  const cert = join(dir, 'fullchain.pem');
  const key = join(dir, 'privkey.pem');
  const made = spawnSync('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    `/CN=${HOST}`,
    '-addext',
    `subjectAltName=DNS:${HOST}`,
    '-keyout',
    key,
    '-out',
    cert,
  ]);
  assert.equal(made.status, 0, made.stderr.toString());
  return { cert, key };
}

/** Starts nginx in the foreground with the shipped site, everything it writes kept in `dir`. */
async function startNginx(t: TestContext, dir: string, site: string, httpsPort: number) {
  writeFileSync(join(dir, 'site.conf'), site);
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((kind) => `${kind}_temp_path ${join(dir, kind)};`)
    .join(' ');
  writeFileSync(
    join(dir, 'nginx.conf'),
    `pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')};
events {}
http {
  access_log ${join(dir, 'access.log')};
  ${temp}
  include ${join(dir, 'site.conf')};
}
`,
  );
  // Workers drop root for nobody, who must reach the temp paths nginx makes here.
  chmodSync(dir, 0o755);
  const nginx = spawn(NGINX, [
    '-p',
    dir,
    '-e',
    join(dir, 'error.log'),
    '-c',
    join(dir, 'nginx.conf'),
    '-g',
    'daemon off;',
  ]);
  let output = '';
  nginx.stderr.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise((resolve) => nginx.on('close', resolve));
  t.after(async () => {
    nginx.kill('SIGQUIT');
    await exited;
  });
  // nginx writes its pid file once it has bound its ports.
  await pollUntil(`nginx listening on ${httpsPort}`, 10_000, async () => {
    if (nginx.exitCode !== null) throw new Error(`nginx exited ${nginx.exitCode}: ${output}`);
    return existsSync(join(dir, 'nginx.pid'));
  });
}

describe('the deploy kit', () => {
  it(
    'serves two instances through nginx over HTTPS: __Host- session, client address, Twilio signature, 413',
    DATABASE_KIND === 'postgres' && existsSync(NGINX)
      ? {}
      : { skip: 'needs Debian nginx and the PostgreSQL run (several instances share one database)' },
    async (t) => {
      const dir = mkdtempSync(join(tmpdir(), 'endpoint-deploy-'));
      t.after(() => rmSync(dir, { recursive: true, force: true }));
      const { cert, key } = makeCertificate(dir);
      const [httpPort, httpsPort] = [await freePort(), await freePort()];
      const publicUrl = `https://${HOST}:${httpsPort}`;

      const { ENDPOINT_SECRET_KEY: _placeholder, ENDPOINT_DATABASE_URL: _example, ...example } = exampleEnv();
      assert.equal(example.ENDPOINT_TRUST_PROXY, '127.0.0.1');
      const { urls, cli, env } = await startInstances(t, 2, {
        ...example,
        ENDPOINT_ALLOWED_HOSTS: HOST,
        // Twilio signs the URL with this test's port; on 443 the proxy headers alone give the same URL.
        ENDPOINT_PUBLIC_URL: publicUrl,
      });

      let site = readFileSync(join(root, 'deploy/nginx-endpoint.conf'), 'utf8');
      site = replaceIn(site, 'listen 80;', `listen 127.0.0.1:${httpPort};`);
      site = replaceIn(site, 'listen 443 ssl http2;', `listen 127.0.0.1:${httpsPort} ssl http2;`);
      site = replaceIn(site, '/etc/letsencrypt/live/your.hostname.example/fullchain.pem', cert);
      site = replaceIn(site, '/etc/letsencrypt/live/your.hostname.example/privkey.pem', key);
      site = replaceIn(site, 'your.hostname.example', HOST, 2);
      site = replaceIn(site, 'server 127.0.0.1:8000;', `server ${new URL(urls[0]).host};`);
      site = replaceIn(site, 'server 127.0.0.1:8001;', `server ${new URL(urls[1]).host};`);
      await startNginx(t, dir, site, httpsPort);

      const ca = readFileSync(cert);
      const https = (method: string, path: string, headers: Record<string, string> = {}, body = '') =>
        new Promise<Answer>((resolve, reject) => {
          const call = request(
            {
              host: '127.0.0.1',
              port: httpsPort,
              servername: HOST,
              localAddress: CLIENT_ADDRESS,
              ca,
              method,
              path,
              headers: { host: `${HOST}:${httpsPort}`, ...headers },
              agent: false,
            },
            (response) => {
              let text = '';
              response.on('data', (chunk) => {
                text += chunk;
              });
              response.on('end', () =>
                resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text }),
              );
            },
          );
          call.on('error', reject);
          call.end(body);
        });

      // fetch never sends a Host header of its own choosing; node:http does.
      const location = await new Promise<string | undefined>((resolve, reject) => {
        httpGet({ host: '127.0.0.1', port: httpPort, path: '/user/login', headers: { host: HOST } }, (response) => {
          response.resume();
          assert.equal(response.statusCode, 301);
          resolve(response.headers.location);
        }).on('error', reject);
      });
      assert.equal(location, `https://${HOST}/user/login`);

      // Log in; a forged X-Forwarded-For is replaced by nginx with the address it saw.
      await cli(['add-user', '--username', 'joe', '--password', PASSWORD]);
      const login = await https(
        'POST',
        '/api/v1/users/authenticate',
        { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.9' },
        JSON.stringify({ username: 'joe', password: PASSWORD }),
      );
      assert.equal(login.status, 200, login.body);
      const setCookie = [login.headers['set-cookie'] ?? []]
        .flat()
        .find((line) => line.startsWith('__Host-endpoint_session='));
      assert.ok(setCookie, `a __Host- session cookie: ${login.headers['set-cookie']}`);
      assert.match(setCookie, /; Secure/i);
      assert.match(setCookie, /; Path=\//i);
      assert.doesNotMatch(setCookie, /; Domain=/i);
      const cookie = setCookie.split(';')[0];
      // Round robin: the session works on whichever instance answers, several times over.
      for (let i = 0; i < 4; i += 1) {
        const me = await https('GET', '/api/v1/users/authenticated_user', { cookie });
        assert.equal(me.status, 200, me.body);
        assert.equal(JSON.parse(me.body).username, 'joe');
      }
      const db = createDb(env.ENDPOINT_DATABASE_URL);
      t.after(() => db.destroy());
      const entry = await db
        .selectFrom('audit_entries')
        .select('address')
        .where('action', '=', 'login.succeeded')
        .executeTakeFirstOrThrow();
      assert.equal(entry.address, CLIENT_ADDRESS);

      // Twilio signs the public HTTPS URL it calls; the instance checks against the same URL.
      const authToken = '0123456789abcdef0123456789abcdef';
      await cli(['add-hook', '--name', 'sms', '--handler', 'inbox', '--verify', 'twilio', '--secret', authToken]);
      const params = { From: '+15555550100', Body: 'hello', MessageSid: 'SM0123456789abcdef0123456789abcdef' };
      const form = new URLSearchParams(params).toString();
      const sms = (url: string) =>
        https(
          'POST',
          '/hooks/sms',
          {
            'content-type': 'application/x-www-form-urlencoded',
            'x-twilio-signature': twilio.getExpectedTwilioSignature(authToken, url, params),
          },
          form,
        );
      const signed = await sms(`${publicUrl}/hooks/sms`);
      assert.ok(signed.status >= 200 && signed.status < 300, `${signed.status} ${signed.body}`);
      assert.equal((await sms(`http://${HOST}:${httpsPort}/hooks/sms`)).status, 401);

      // Past client_max_body_size nginx answers itself: HTML, never a problem+json from Endpoint.
      const big = await https(
        'POST',
        '/hooks/sms',
        { 'content-type': 'application/x-www-form-urlencoded' },
        'x'.repeat(1024 * 1024 + 1),
      );
      assert.equal(big.status, 413);
      assert.match(big.body, /<center>nginx/);
    },
  );

  it('has a systemd unit that systemd-analyze verify accepts', {
    skip: !existsSync('/usr/bin/systemd-analyze') && 'no systemd-analyze',
  }, (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'endpoint-unit-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    // The unit names /usr/bin/node, Debian's; verify needs the program it runs to exist.
    const unit = readFileSync(join(root, 'deploy/endpoint.service'), 'utf8').replaceAll(
      '/usr/bin/node',
      process.execPath,
    );
    writeFileSync(join(dir, 'endpoint.service'), unit);
    const verified = spawnSync('systemd-analyze', ['verify', join(dir, 'endpoint.service')], { encoding: 'utf8' });
    assert.equal(verified.status, 0, verified.stderr);
    assert.equal(verified.stderr, '');
  });
});
