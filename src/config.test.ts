import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { ConfigError, EXAMPLE_SECRET_KEY, loadConfig, secretKeyWeakness } from './config.ts';

describe('loadConfig', () => {
  it('gives the documented defaults for an empty environment', () => {
    const config = loadConfig({});
    assert.equal(config.databaseUrl, 'sqlite:./endpoint.db');
    assert.equal(config.port, 8000);
    assert.equal(config.sessionIdleMs, 30 * 60_000);
    assert.equal(config.sessionMaxAgeMs, 8 * 3_600_000);
    assert.equal(config.trustProxy, false);
    assert.equal(config.secretKey, undefined);
    assert.equal(config.hookRateLimit, 1200);
    assert.equal(config.loginMaxFailuresPerAccountAddress, 5);
    assert.equal(config.loginMaxFailuresPerAddress, 50);
    assert.equal(config.loginMaxFailuresPerAccount, 100);
  });

  const bad: [string, Record<string, string>][] = [
    ['ENDPOINT_DATABASE_URL', { ENDPOINT_DATABASE_URL: 'mysql://x' }],
    ['ENDPOINT_SECRET_KEY', { ENDPOINT_SECRET_KEY: 'short' }],
    ['ENDPOINT_REDIS_URL', { ENDPOINT_REDIS_URL: 'http://x' }],
    ['ENDPOINT_TRUST_PROXY', { ENDPOINT_TRUST_PROXY: 'yes please' }],
    ['PORT', { PORT: '80a' }],
    ['PORT', { PORT: '70000' }],
    ['ENDPOINT_SESSION_IDLE_TIMEOUT', { ENDPOINT_SESSION_IDLE_TIMEOUT: '30 minutes' }],
    ['ENDPOINT_LOG_LEVEL', { ENDPOINT_LOG_LEVEL: 'loud' }],
    ['ENDPOINT_HOOK_RATE_LIMIT', { ENDPOINT_HOOK_RATE_LIMIT: '0' }],
    ['ENDPOINT_LOGIN_MAX_FAILURES_PER_ACCOUNT_ADDRESS', { ENDPOINT_LOGIN_MAX_FAILURES_PER_ACCOUNT_ADDRESS: '0' }],
    ['ENDPOINT_ALLOWED_HOSTS', { ENDPOINT_ALLOWED_HOSTS: 'example.com:8000' }],
    ['ENDPOINT_ALLOWED_HOSTS', { ENDPOINT_ALLOWED_HOSTS: '::1' }],
    ['ENDPOINT_ALLOWED_HOSTS', { ENDPOINT_ALLOWED_HOSTS: 'https://example.com' }],
    ['ENDPOINT_ALLOWED_HOSTS', { ENDPOINT_ALLOWED_HOSTS: ' , ' }],
    ['ENDPOINT_EVENTS_ALLOWED_NETWORKS', { ENDPOINT_EVENTS_ALLOWED_NETWORKS: '127.0.0.0/33' }],
    ['ENDPOINT_EVENTS_RETRY_SCHEDULE', { ENDPOINT_EVENTS_RETRY_SCHEDULE: '0s,,5s' }],
    ['ENDPOINT_EVENTS_RETRY_SCHEDULE', { ENDPOINT_EVENTS_RETRY_SCHEDULE: '5 minutes' }],
    ['ENDPOINT_EVENTS_RETRY_SCHEDULE', { ENDPOINT_EVENTS_RETRY_SCHEDULE: Array(51).fill('1s').join(',') }],
  ];
  for (const [name, env] of bad) {
    it(`refuses ${JSON.stringify(env)} with an error naming ${name}`, () => {
      assert.throws(
        () => loadConfig(env),
        (error: unknown) => error instanceof ConfigError && error.message.startsWith(`${name} `),
      );
    });
  }

  it('reads the events retry schedule as one wait per attempt, 0s allowed, Svix-like by default', () => {
    assert.deepEqual(
      loadConfig({}).eventsRetryScheduleMs,
      [0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000],
    );
    assert.deepEqual(
      loadConfig({ ENDPOINT_EVENTS_RETRY_SCHEDULE: '0s, 5s,5m' }).eventsRetryScheduleMs,
      [0, 5_000, 300_000],
    );
    assert.deepEqual(loadConfig({}).eventsAllowedNetworks, []);
    assert.deepEqual(loadConfig({ ENDPOINT_EVENTS_ALLOWED_NETWORKS: '127.0.0.0/8,::1' }).eventsAllowedNetworks, [
      '127.0.0.0/8',
      '::1',
    ]);
  });

  it('takes a trusted proxy as a flag, a hop count or addresses', () => {
    assert.equal(loadConfig({ ENDPOINT_TRUST_PROXY: 'true' }).trustProxy, true);
    assert.equal(loadConfig({ ENDPOINT_TRUST_PROXY: '2' }).trustProxy, 2);
    assert.equal(loadConfig({ ENDPOINT_TRUST_PROXY: '127.0.0.1,10.0.0.0/8' }).trustProxy, '127.0.0.1,10.0.0.0/8');
  });

  it('lets loopback read /metrics by default, or the addresses and CIDRs listed, or none', () => {
    assert.deepEqual(loadConfig({}).metricsAllow, ['127.0.0.0/8', '::1']);
    assert.deepEqual(loadConfig({ ENDPOINT_METRICS_ALLOW: ' 10.0.0.0/8, 192.0.2.7,fd00::/8' }).metricsAllow, [
      '10.0.0.0/8',
      '192.0.2.7',
      'fd00::/8',
    ]);
    assert.deepEqual(loadConfig({ ENDPOINT_METRICS_ALLOW: 'none' }).metricsAllow, []);
    for (const bad of ['10.0.0.0/33', 'fd00::/129', 'localhost', '10.0.0.1/8/8', '10.0.0.0/', '1.2.3.4,']) {
      assert.throws(
        () => loadConfig({ ENDPOINT_METRICS_ALLOW: bad }),
        (error: unknown) => error instanceof ConfigError && error.message.startsWith('ENDPOINT_METRICS_ALLOW '),
        bad,
      );
    }
  });

  it('allows the loopback names by default, the host of ENDPOINT_PUBLIC_URL when set, or the list given', () => {
    assert.deepEqual(loadConfig({}).allowedHosts, ['localhost', '127.0.0.1', '[::1]']);
    assert.deepEqual(loadConfig({ ENDPOINT_PUBLIC_URL: 'https://Endpoint.Example.com:8443/' }).allowedHosts, [
      'endpoint.example.com',
    ]);
    assert.deepEqual(loadConfig({ ENDPOINT_PUBLIC_URL: 'http://[::1]:8000' }).allowedHosts, ['[::1]']);
    assert.deepEqual(loadConfig({ ENDPOINT_ALLOWED_HOSTS: ' .Example.com, api.test,[2001:DB8::1],*' }).allowedHosts, [
      '.example.com',
      'api.test',
      '[2001:db8::1]',
      '*',
    ]);
  });

  it('finds the example secret key and keys of fewer than 8 different characters weak, random ones not', () => {
    assert.match(secretKeyWeakness(EXAMPLE_SECRET_KEY) ?? '', /example value/);
    for (const key of ['a'.repeat(40), 'ab'.repeat(20), 'changeme'.repeat(5), '1234567'.repeat(5)]) {
      assert.match(secretKeyWeakness(key) ?? '', /fewer than 8 different characters/, key);
    }
    for (const key of [
      '0123456789abcdef0123456789abcdef',
      '12345678'.repeat(4),
      randomBytes(32).toString('base64url'),
    ]) {
      assert.equal(secretKeyWeakness(key), undefined, key);
    }
  });
});
