import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { HookRateLimitedError } from './errors.ts';

export interface HookRateLimitOptions {
  /** Calls a minute one sender address may make to one hook. */
  perMinute: number;
  /** Shared counters across processes; in-process counters without it. */
  redis?: Redis;
}

/**
 * Counts calls per hook per sender address, a minute at a time. With Redis every process shares
 * the count; should Redis fail, each process counts on its own rather than refusing deliveries.
 */
export function createHookRateLimit({ perMinute, redis }: HookRateLimitOptions) {
  const settings = { keyPrefix: 'endpoint_hook', points: perMinute, duration: 60 };
  const limiter = redis
    ? new RateLimiterRedis({
        ...settings,
        storeClient: redis,
        useRedisPackage: false,
        insuranceLimiter: new RateLimiterMemory(settings),
      })
    : new RateLimiterMemory(settings);

  return {
    /** Counts one call; throws HookRateLimitedError once this minute's allowance is spent. */
    async consume(hook: string, address: string): Promise<void> {
      try {
        await limiter.consume(`${hook} ${address}`);
      } catch (error) {
        // The limiter rejects with its state when the allowance is spent, and with an Error otherwise.
        if (error instanceof RateLimiterRes) throw new HookRateLimitedError(Math.ceil(error.msBeforeNext / 1000));
        throw error;
      }
    },
  };
}
