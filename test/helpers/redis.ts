import { Redis } from 'ioredis';

/** Where tests find Redis: ENDPOINT_TEST_REDIS_URL, else the local default. */
export const TEST_REDIS_URL = process.env.ENDPOINT_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Whether Redis answers at TEST_REDIS_URL; tests that need it skip otherwise. */
export async function redisAnswers(): Promise<boolean> {
  const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}
