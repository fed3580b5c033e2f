import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectProblem } from './helpers/api.ts';
import { runCli } from './helpers/cli.ts';
import { createTestDatabase, DATABASE_KIND } from './helpers/database.ts';
import { addHook, postHook, signedHeaders } from './helpers/hooks.ts';
import { requestWithHost } from './helpers/http.ts';
import { killGroup, pollUntil, spawnServer } from './helpers/process.ts';
import { startTestServer, TEST_SECRET_KEY } from './helpers/server.ts';
import { createUser, OPERATOR, PASSWORD } from './helpers/users.ts';

type Labels = Record<string, string>;
interface Sample {
  name: string;
  labels: Labels;
  value: number;
}

/** The samples of a Prometheus text answer (comments skipped). */
function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const labels: Labels = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[key] = value;
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

/** The sum of the samples named `name` whose labels include `labels`; 0 when there is none. */
function value(samples: Sample[], name: string, labels: Labels = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([key, v]) => s.labels[key] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

async function scrape(url: string, headers: Record<string, string> = {}): Promise<Sample[]> {
  const response = await fetch(`${url}/metrics`, { headers });
  const text = await response.text();
  assert.equal(response.status, 200, text);
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return parse(text);
}

const REQUESTS = 'endpoint_http_request_duration_seconds_count';
const ELSEWHERE = { 'x-forwarded-for': '203.0.113.9' };

describe(`GET /metrics (${DATABASE_KIND})`, () => {
  it('answers loopback and ENDPOINT_METRICS_ALLOW addresses, else a token with scope metrics.view whose owner holds it', async (t) => {
    // The test client is on loopback, a proxy the server trusts: X-Forwarded-For says who calls.
    const server = await startTestServer(t, { env: { ENDPOINT_TRUST_PROXY: '127.0.0.1' } });
    const { app, url } = server;
    await scrape(url);
    // Scrapers call by address, which ENDPOINT_ALLOWED_HOSTS does not list.
    const byAddress = await requestWithHost(url, '/metrics', '10.1.2.3:8000');
    assert.equal(byAddress.status, 200);

    const anonymous = await expectProblem(
      await fetch(`${url}/metrics`, { headers: ELSEWHERE }),
      401,
      'unauthenticated',
    );
    assert.equal(anonymous.instance, '/metrics');
    const asked = await fetch(`${url}/metrics`, { headers: ELSEWHERE });
    assert.equal(asked.headers.get('www-authenticate'), 'Bearer');
    const bearer = (token: string) => ({ ...ELSEWHERE, authorization: `Bearer ${token}` });
    await expectProblem(await fetch(`${url}/metrics`, { headers: bearer('ep_not-a-token') }), 401, 'unauthenticated');

    const scraper = await createUser(app, 'scraper', {
      groups: ['monitoring'],
      permissions: ['metrics.view', 'users.view'],
    });
    const noScope = await app.tokens.create(OPERATOR, scraper.id, { name: 'other', scopes: ['users.view'] });
    await expectProblem(await fetch(`${url}/metrics`, { headers: bearer(noScope.token) }), 403, 'forbidden');
    const scoped = await app.tokens.create(OPERATOR, scraper.id, { name: 'prometheus', scopes: ['metrics.view'] });
    assert.ok(value(await scrape(url, bearer(scoped.token)), REQUESTS) > 0);

    // The scope alone is not enough: the owner must still hold the permission.
    const outsider = await createUser(app, 'outsider', { groups: ['passing'], permissions: ['metrics.view'] });
    const kept = await app.tokens.create(OPERATOR, outsider.id, { name: 'p', scopes: ['metrics.view'] });
    await scrape(url, bearer(kept.token));
    await app.users.revokeByName(OPERATOR, 'passing', 'metrics.view');
    await expectProblem(await fetch(`${url}/metrics`, { headers: bearer(kept.token) }), 403, 'forbidden');
    await app.tokens.revoke(OPERATOR, scoped.id);
    await expectProblem(await fetch(`${url}/metrics`, { headers: bearer(scoped.token) }), 401, 'unauthenticated');
  });

  it('reads the peer address unless it is a trusted proxy, and ENDPOINT_METRICS_ALLOW replaces loopback', async (t) => {
    const untrusting = await startTestServer(t);
    // No proxy is trusted: the header is the client's say, and the peer is loopback.
    await scrape(untrusting.url, ELSEWHERE);

    const listed = await startTestServer(t, {
      env: { ENDPOINT_TRUST_PROXY: '127.0.0.1', ENDPOINT_METRICS_ALLOW: '203.0.113.0/24, 2001:db8::/32' },
    });
    await scrape(listed.url, ELSEWHERE);
    await scrape(listed.url, { 'x-forwarded-for': '2001:db8::7' });
    await expectProblem(
      await fetch(`${listed.url}/metrics`, { headers: { 'x-forwarded-for': '198.51.100.1' } }),
      401,
      'unauthenticated',
    );
    await expectProblem(await fetch(`${listed.url}/metrics`), 401, 'unauthenticated');

    const bad = await runCli(['serve', '--port', '0'], {
      env: { ENDPOINT_SECRET_KEY: TEST_SECRET_KEY, ENDPOINT_METRICS_ALLOW: '10.0.0.0/33' },
    });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^error: ENDPOINT_METRICS_ALLOW must list addresses or CIDRs .*"10\.0\.0\.0\/33"\n$/);
  });

  it('counts requests by route pattern and status, logins refused, and hook deliveries received, processed, failed, pending and refused', async (t) => {
    const server = await startTestServer(t, { env: { ENDPOINT_HOOK_MAX_ATTEMPTS: '1' } });
    const { app, url, db } = server;
    const hook = await addHook(app, 'counted', 'standard');
    await addHook(app, 'quiet', 'standard');
    const broken = await addHook(app, 'broken', 'standard');
    await createUser(app, 'joe');
    const before = await scrape(url);

    for (let i = 0; i < 3; i++) assert.equal((await fetch(`${url}/healthz`)).status, 200);
    assert.equal((await fetch(`${url}/api/v1/users/987654`)).status, 401);
    assert.equal((await fetch(`${url}/no/such/page-31337`)).status, 404);
    const login = (password: string) =>
      fetch(`${url}/api/v1/users/authenticate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'joe', password }),
      });
    assert.equal((await login('wrong password!')).status, 401);
    assert.equal((await login(PASSWORD)).status, 200);

    const payload = '{"type":"ping"}';
    for (const id of ['msg_1', 'msg_2']) {
      const answer = await postHook(
        url,
        '/hooks/counted',
        payload,
        await signedHeaders('standard', hook.secret, id, payload),
      );
      assert.equal(answer.status, 202);
    }
    const again = await postHook(
      url,
      '/hooks/counted',
      payload,
      await signedHeaders('standard', hook.secret, 'msg_1', payload),
    );
    assert.equal(again.status, 200, 'a duplicate is not received twice');
    await expectProblem(
      await postHook(
        url,
        '/hooks/counted',
        payload,
        await signedHeaders('standard', `whsec_${Buffer.alloc(24, 1).toString('base64')}`, 'msg_forged', payload),
      ),
      401,
      'signature_invalid',
    );
    // A handler that is gone fails its one allowed attempt.
    await db.updateTable('hooks').set({ handler: 'uninstalled' }).where('id', '=', broken.id).execute();
    const doomed = await postHook(
      url,
      '/hooks/broken',
      payload,
      await signedHeaders('standard', broken.secret, 'msg_x', payload),
    );
    assert.equal(doomed.status, 202);

    let after: Sample[] = [];
    const moved = (name: string, labels: Labels) => value(after, name, labels) - value(before, name, labels);
    await pollUntil('the worker ran both hooks’ deliveries', 10_000, async () => {
      after = await scrape(url);
      return (
        moved('endpoint_hook_deliveries_processed_total', { hook: 'counted' }) === 2 &&
        moved('endpoint_hook_deliveries_failed_total', { hook: 'broken' }) === 1
      );
    });
    assert.equal(moved(REQUESTS, { method: 'GET', route: '/healthz', status: '200' }), 3);
    assert.equal(moved(REQUESTS, { method: 'GET', route: '/api/v1/users/:id', status: '401' }), 1);
    assert.equal(moved(REQUESTS, { method: 'GET', route: '(unmatched)', status: '404' }), 1);
    assert.equal(moved(REQUESTS, { route: '/hooks/:name', status: '202' }), 3);
    assert.ok(!after.some((s) => Object.values(s.labels).some((v) => /987654|31337/.test(v))), 'no raw URL');
    assert.equal(
      value(after, 'endpoint_http_request_duration_seconds_bucket', { route: '/healthz', status: '200', le: '+Inf' }),
      value(after, REQUESTS, { route: '/healthz', status: '200' }),
    );
    assert.equal(moved('endpoint_login_failures_total', { reason: 'invalid_credentials' }), 1);
    assert.equal(moved('endpoint_hook_deliveries_received_total', { hook: 'counted' }), 2);
    assert.equal(moved('endpoint_hook_deliveries_received_total', { hook: 'broken' }), 1);
    assert.equal(moved('endpoint_hook_calls_refused_total', { reason: 'signature invalid' }), 1);
    for (const name of ['counted', 'quiet', 'broken']) {
      assert.equal(value(after, 'endpoint_hook_deliveries_pending', { hook: name }), 0, name);
      assert.ok(
        after.some((s) => s.name === 'endpoint_hook_deliveries_pending' && s.labels.hook === name),
        name,
      );
    }
    assert.ok(value(after, 'endpoint_db_pool_connections', { state: 'total' }) >= 1);
    if (DATABASE_KIND === 'postgres') {
      assert.ok(after.some((s) => s.name === 'endpoint_db_pool_connections' && s.labels.state === 'waiting'));
    }
    for (const name of [
      'process_cpu_user_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_seconds',
    ]) {
      assert.ok(
        after.some((s) => s.name === name),
        name,
      );
    }
  });

  it('reads pending deliveries by hook from the database when no worker runs', async (t) => {
    const server = await startTestServer(t, { env: { ENDPOINT_HOOK_WORKER: 'off' } });
    const hook = await addHook(server.app, 'waiting', 'standard');
    await addHook(server.app, 'idle', 'standard');
    const payload = '{}';
    for (const id of ['a', 'b', 'c']) {
      const answer = await postHook(
        server.url,
        '/hooks/waiting',
        payload,
        await signedHeaders('standard', hook.secret, id, payload),
      );
      assert.equal(answer.status, 202);
    }
    const samples = await scrape(server.url);
    assert.equal(value(samples, 'endpoint_hook_deliveries_pending', { hook: 'waiting' }), 3);
    assert.equal(value(samples, 'endpoint_hook_deliveries_pending', { hook: 'idle' }), 0);
    await server.app.hooks.removeHook(OPERATOR, 'idle');
    const later = await scrape(server.url);
    assert.ok(!later.some((s) => s.labels.hook === 'idle'), 'a deleted hook leaves the gauge');
  });

  it('with serve --workers 2, one scrape covers both workers', async (t) => {
    const database = await createTestDatabase();
    t.after(() => database.drop());
    const env = { ENDPOINT_DATABASE_URL: database.url, ENDPOINT_SECRET_KEY: TEST_SECRET_KEY };
    assert.equal((await runCli(['init-db'], { env })).code, 0);
    const server = spawnServer(['serve', '--host', '127.0.0.1', '--port', '0', '--workers', '2'], {
      // Debug: probes log their request line only there, and the test tells workers apart by it.
      env: { ...env, ENDPOINT_LOG_LEVEL: 'debug' },
      detached: true,
    });
    t.after(() => killGroup(server, 'SIGKILL'));
    const listening = /"pid":(\d+).*Server listening at http:\/\/127\.0\.0\.1:(\d+)/;
    const first = listening.exec(await server.waitFor(listening));
    const second = await server.waitFor(new RegExp(`"pid":(?!${first?.[1]}\\b)\\d+.*Server listening`));
    const base = `http://127.0.0.1:${first?.[2]}`;
    assert.ok(second);

    // Each on a connection of its own, so the kernel spreads them over both workers.
    const workers = () =>
      new Set(
        server.output
          .filter((line) => line.includes('"msg":"request completed"'))
          .map((line) => /"pid":(\d+)/.exec(line)?.[1]),
      );
    let sent = 0;
    await pollUntil('both workers answered /healthz', 20_000, async () => {
      const response = await fetch(`${base}/healthz`, { headers: { connection: 'close' } });
      assert.equal(response.status, 200);
      sent++;
      return workers().size === 2;
    });
    let samples: Sample[] = [];
    await pollUntil('one scrape counts every /healthz of both workers', 5000, async () => {
      samples = await scrape(base);
      return value(samples, REQUESTS, { route: '/healthz', status: '200' }) === sent;
    });
    // Gauges too: each worker's one SQLite connection, summed.
    if (DATABASE_KIND === 'sqlite') assert.equal(value(samples, 'endpoint_db_pool_connections', { state: 'total' }), 2);
  });
});
