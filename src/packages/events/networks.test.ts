import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allowedNetworks, isPublicAddress } from './networks.ts';
import { nextAttemptDelayMs } from './retry.ts';
import { retryAfterMs } from './send.ts';
import { createUrlGuard } from './url-guard.ts';

describe('isPublicAddress', () => {
  it('refuses loopback, private, link-local, metadata and reserved addresses, in either family', () => {
    for (const address of [
      '127.0.0.1',
      '10.0.0.1',
      '172.16.5.4',
      '192.168.0.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '255.255.255.255',
      '::',
      '::1',
      'fe80::1',
      'fd00:ec2::254',
      '::ffff:127.0.0.1',
      '::ffff:169.254.169.254',
      'not an address',
    ]) {
      assert.equal(isPublicAddress(address), false, address);
    }
  });

  it('takes public addresses', () => {
    for (const address of ['93.184.215.14', '8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8']) {
      assert.equal(isPublicAddress(address), true, address);
    }
  });

  it('matches the allow list by address and CIDR', () => {
    const allowed = allowedNetworks(['127.0.0.0/8', '::1', '10.1.2.3']);
    assert.equal(allowed('127.5.5.5'), true);
    assert.equal(allowed('::ffff:127.0.0.1'), true);
    assert.equal(allowed('::1'), true);
    assert.equal(allowed('10.1.2.3'), true);
    assert.equal(allowed('10.1.2.4'), false);
    assert.equal(allowedNetworks([])('127.0.0.1'), false);
  });
});

describe('the URL guard', () => {
  const resolveTo = (addresses: string[]) => async () => addresses;

  it('refuses a name that resolves to a private address, even among public ones', async () => {
    const guard = createUrlGuard([], resolveTo(['93.184.215.14', '10.0.0.5']));
    await assert.rejects(guard.check('https://mixed.example/hook'), /10\.0\.0\.5/);
  });

  it('takes https to a name resolving to public addresses, and plain http only inside the allowed networks', async () => {
    assert.equal(
      await createUrlGuard([], resolveTo(['93.184.215.14'])).check('https://ok.example/hook'),
      'https://ok.example/hook',
    );
    await assert.rejects(createUrlGuard([], resolveTo(['93.184.215.14'])).check('http://ok.example/hook'), /https/);
    const local = createUrlGuard(['127.0.0.0/8'], resolveTo(['127.0.0.1']));
    assert.equal(await local.check('http://relay.local:8080/x'), 'http://relay.local:8080/x');
  });

  it('refuses a name that does not resolve', async () => {
    const guard = createUrlGuard([], async () => {
      throw new Error('ENOTFOUND');
    });
    await assert.rejects(guard.check('https://nowhere.invalid/'), /does not resolve/);
  });
});

describe('retries', () => {
  it('waits the schedule, or a longer Retry-After up to a day, and stops after the last entry', () => {
    const schedule = [0, 5_000, 300_000];
    assert.equal(nextAttemptDelayMs(schedule, 1, undefined), 5_000);
    assert.equal(nextAttemptDelayMs(schedule, 1, 60_000), 60_000);
    assert.equal(nextAttemptDelayMs(schedule, 2, 1_000), 300_000);
    assert.equal(nextAttemptDelayMs(schedule, 2, 10 * 86_400_000), 86_400_000);
    assert.equal(nextAttemptDelayMs(schedule, 3, undefined), undefined);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = new Date('2026-12-01T12:00:00Z');
    assert.equal(retryAfterMs('120', now), 120_000);
    assert.equal(retryAfterMs('Tue, 01 Dec 2026 12:01:00 GMT', now), 60_000);
    assert.equal(retryAfterMs('soon', now), undefined);
    assert.equal(retryAfterMs(undefined, now), undefined);
  });
});
