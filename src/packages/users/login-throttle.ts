import type { Redis } from 'ioredis';
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import { LoginThrottledError } from './errors.ts';

export interface LoginThrottleOptions {
  maxFailuresPerAccount: number;
  maxFailuresPerAddress: number;
  lockoutMs: number;
  /** Shared counters across processes; in-process counters without it. */
  redis?: Redis;
}

/**
 * Counts failed logins per account and per address (rate-limiter-flexible's "login endpoint
 * protection" recipe). Unknown usernames count like known ones, so a lockout reveals nothing.
 */
export function createLoginThrottle(options: LoginThrottleOptions) {
  const duration = Math.ceil(options.lockoutMs / 1000);
  const limiter = (keyPrefix: string, points: number): RateLimiterAbstract => {
    const settings = { keyPrefix, points, duration, blockDuration: duration };
    return options.redis
      ? new RateLimiterRedis({ ...settings, storeClient: options.redis, useRedisPackage: false })
      : new RateLimiterMemory(settings);
  };
  const byAccount = limiter('endpoint_login_account', options.maxFailuresPerAccount);
  const byAddress = limiter('endpoint_login_address', options.maxFailuresPerAddress);
  const accountKey = (username: string) => username.toLowerCase();

  return {
    /** Throws LoginThrottledError while either counter is spent. */
    async check(username: string, address: string): Promise<void> {
      const [account, ip] = await Promise.all([byAccount.get(accountKey(username)), byAddress.get(address)]);
      const waits = [
        account && account.consumedPoints >= options.maxFailuresPerAccount ? account.msBeforeNext : 0,
        ip && ip.consumedPoints >= options.maxFailuresPerAddress ? ip.msBeforeNext : 0,
      ];
      const wait = Math.max(...waits);
      if (wait > 0) throw new LoginThrottledError(Math.ceil(wait / 1000));
    },

    async recordFailure(username: string, address: string): Promise<void> {
      // Consuming past the limit rejects with the limiter's state; that is the lockout, not an error.
      await Promise.allSettled([byAccount.consume(accountKey(username)), byAddress.consume(address)]);
    },

    async recordSuccess(username: string): Promise<void> {
      await byAccount.delete(accountKey(username));
    },
  };
}

export type LoginThrottle = ReturnType<typeof createLoginThrottle>;
