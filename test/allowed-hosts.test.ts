import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectOk, expectProblem } from './helpers/api.ts';
import { addHook, storedDeliveries, twilioHeaders } from './helpers/hooks.ts';
import { requestWithHost } from './helpers/http.ts';
import { startTestServer } from './helpers/server.ts';

const ME = '/api/v1/users/authenticated_user';

describe('ENDPOINT_ALLOWED_HOSTS', () => {
  it('refuses another host with 400 (problem+json on /api and /hooks, HTML elsewhere), allowing loopback names by default', async (t) => {
    const server = await startTestServer(t);
    for (const path of [ME, '/hooks/anything']) {
      await expectProblem(await requestWithHost(server.url, path, 'evil.example'), 400, 'host_not_allowed');
    }
    const page = await requestWithHost(server.url, '/user/login', 'evil.example');
    assert.equal(page.status, 400);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.deepEqual(page.headers.getSetCookie(), [], 'a refused request sets no cookie');
    for (const host of ['localhost', 'LocalHost:8000', '127.0.0.1:1', '[::1]:8000', '[::1]']) {
      assert.equal((await requestWithHost(server.url, '/user/login', host)).status, 200, host);
    }
  });

  it('matches like Django: exact names, a leading dot for subdomains, any case and port', async (t) => {
    const server = await startTestServer(t, {
      env: { ENDPOINT_ALLOWED_HOSTS: '.example.com, api.test,[2001:db8::1]' },
    });
    const cases: [string, number][] = [
      ['example.com', 200],
      ['WWW.Example.COM:8443', 200],
      ['a.b.example.com.', 200],
      ['badexample.com', 400],
      ['example.com.evil.test', 400],
      ['api.test', 200],
      ['www.api.test', 400],
      ['[2001:db8::1]:443', 200],
      ['[2001:db8::2]', 400],
      ['localhost', 400],
      ['api.test@evil.example', 400],
    ];
    for (const [host, status] of cases) {
      assert.equal((await requestWithHost(server.url, '/user/login', host)).status, status, host);
    }
  });

  it('allows any well-formed host with *, and still refuses a malformed one', async (t) => {
    const server = await startTestServer(t, { env: { ENDPOINT_ALLOWED_HOSTS: '*' } });
    assert.equal((await requestWithHost(server.url, '/user/login', 'anything.example:1')).status, 200);
    await expectProblem(await requestWithHost(server.url, ME, 'evil.example/path'), 400, 'host_not_allowed');
  });

  it('defaults to the host of ENDPOINT_PUBLIC_URL when that is set', async (t) => {
    const server = await startTestServer(t, { env: { ENDPOINT_PUBLIC_URL: 'https://Endpoint.Example.com/' } });
    assert.equal((await requestWithHost(server.url, '/user/login', 'endpoint.example.com')).status, 200);
    await expectProblem(await requestWithHost(server.url, ME, new URL(server.url).host), 400, 'host_not_allowed');
  });

  it('judges X-Forwarded-Host in place of Host only when the proxy is trusted', async (t) => {
    const trusted = await startTestServer(t, { env: { ENDPOINT_TRUST_PROXY: 'true' } });
    const forwarded = (host: string) => ({ headers: { 'x-forwarded-host': host } });
    await expectProblem(
      await requestWithHost(trusted.url, ME, 'localhost', forwarded('evil.example')),
      400,
      'host_not_allowed',
    );
    await expectProblem(
      await requestWithHost(trusted.url, ME, 'evil.example', forwarded('localhost')),
      401,
      'unauthenticated',
    );
    const untrusted = await startTestServer(t);
    await expectProblem(
      await requestWithHost(untrusted.url, ME, 'localhost', forwarded('evil.example')),
      401,
      'unauthenticated',
    );
  });

  it('answers /healthz and /readyz whatever the host, as load balancers probe by address, and nothing else', async (t) => {
    const server = await startTestServer(t, { env: { ENDPOINT_ALLOWED_HOSTS: 'endpoint.example.com' } });
    for (const path of ['/healthz', '/readyz']) {
      await expectOk(await requestWithHost(server.url, path, '10.0.0.5:8000'));
    }
    await expectProblem(await requestWithHost(server.url, ME, '10.0.0.5:8000'), 400, 'host_not_allowed');
  });

  it('refuses a Twilio call signed for another deployment sharing the auth token, by its Host', async (t) => {
    const server = await startTestServer(t, { env: { ENDPOINT_TRUST_PROXY: 'true', ENDPOINT_HOOK_WORKER: 'off' } });
    const authToken = '0123456789abcdef0123456789abcdef';
    const hook = await addHook(server.app, 'sms', 'twilio', authToken);
    const sms = { MessageSid: 'SM0123456789abcdef0123456789abcdef', From: '+15005550006', Body: 'hi' };
    const body = new URLSearchParams(sms).toString();
    const call = (host: string) => ({
      method: 'POST',
      headers: { ...twilioHeaders(authToken, `https://${host}/hooks/sms`, sms), 'x-forwarded-proto': 'https' },
      body,
    });

    const replayed = await requestWithHost(server.url, '/hooks/sms', 'other.example', call('other.example'));
    await expectProblem(replayed, 400, 'host_not_allowed');
    assert.deepEqual(await storedDeliveries(server.db, hook.id), []);
    await expectOk(await requestWithHost(server.url, '/hooks/sms', 'localhost', call('localhost')), 202);
  });
});
