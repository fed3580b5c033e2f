import type { Redis } from 'ioredis';
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import { LoginThrottledError } from './errors.ts';

export interface LoginThrottleOptions {
  /** Failures for one username from one address before that address is locked out of it. */
  maxFailuresPerAccountAddress: number;
  /** Failures from one address, whatever the usernames, before the address is locked out. */
  maxFailuresPerAddress: number;
  /** Failures for one username, from anywhere, before it is locked out everywhere. */
  maxFailuresPerAccount: number;
  lockoutMs: number;
  /** Shared counters across processes; in-process counters without it, or while it is down. */
  redis?: Redis;
}

/**
 * Counts failed logins three ways (rate-limiter-flexible's "login endpoint protection" recipe).
 * The lockout an attacker can cause by guessing is per username AND address, so it locks out the
 * attacker's address, not the owner, who logs in from another. One address guessing across many
 * usernames is stopped by its own count; many addresses guessing one username, by that account's
 * ceiling, which is high enough that locking the owner out takes that many failures from at least
 * ceiling / per-pair-limit addresses. Unknown usernames count like known ones, so a lockout
 * reveals nothing.
 */
export function createLoginThrottle(options: LoginThrottleOptions) {
  const duration = Math.ceil(options.lockoutMs / 1000);
  const limiter = (keyPrefix: string, points: number): RateLimiterAbstract => {
    const settings = { keyPrefix, points, duration, blockDuration: duration };
    return options.redis
      ? new RateLimiterRedis({
          ...settings,
          storeClient: options.redis,
          useRedisPackage: false,
          // Should Redis fail, each process counts on its own rather than refusing or failing logins.
          insuranceLimiter: new RateLimiterMemory(settings),
        })
      : new RateLimiterMemory(settings);
  };
  const byAccountAddress = limiter('endpoint_login_account_address', options.maxFailuresPerAccountAddress);
  const byAddress = limiter('endpoint_login_address', options.maxFailuresPerAddress);
  const byAccount = limiter('endpoint_login_account', options.maxFailuresPerAccount);
  // `account` is the username's key (username-key.ts), the same however the name is typed.
  const counters = (account: string, address: string) => {
    // An address holds no space, so the pair key cannot be read two ways.
    return [
      { limiter: byAccountAddress, key: `${address} ${account}`, max: options.maxFailuresPerAccountAddress },
      { limiter: byAddress, key: address, max: options.maxFailuresPerAddress },
      { limiter: byAccount, key: account, max: options.maxFailuresPerAccount },
    ];
  };

  return {
    /** Throws LoginThrottledError while any of the three counters is spent. */
    async check(account: string, address: string): Promise<void> {
      const waits = await Promise.all(
        counters(account, address).map(async ({ limiter, key, max }) => {
          const state = await limiter.get(key);
          return state && state.consumedPoints >= max ? state.msBeforeNext : 0;
        }),
      );
      const wait = Math.max(...waits);
      if (wait > 0) throw new LoginThrottledError(Math.ceil(wait / 1000));
    },

    async recordFailure(account: string, address: string): Promise<void> {
      // Consuming past the limit rejects with the limiter's state; that is the lockout, not an error.
      await Promise.allSettled(counters(account, address).map(({ limiter, key }) => limiter.consume(key)));
    },

    /**
     * Forgets this address's failures for this username only: the owner's typos. The address's
     * count and the account's ceiling stay, or logging in to one's own account would reset them.
     */
    async recordSuccess(account: string, address: string): Promise<void> {
      const [pair] = counters(account, address);
      await pair.limiter.delete(pair.key);
    },
  };
}

export type LoginThrottle = ReturnType<typeof createLoginThrottle>;
