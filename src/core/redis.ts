import type { FastifyBaseLogger } from 'fastify';
import type { Redis } from 'ioredis';

export interface SharedCounters {
  client: Redis;
  /** Whether the last thing Redis did was answer: false while counters fall back to each process. */
  reachable(): boolean;
}

/**
 * The Redis connection that login throttling and hook rate limits share. Commands fail at once
 * while it is down (no offline queue), so each limiter's in-process fallback answers without
 * waiting for a reconnect; the change either way is logged once, not on every failed command.
 */
export async function createSharedCounters(url: string, log: FastifyBaseLogger): Promise<SharedCounters> {
  // Loaded only when Redis is configured: a process without it is 6 MiB smaller.
  const { Redis } = await import('ioredis');
  const client = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  let reachable = false;
  let warned = false;
  client.on('ready', () => {
    reachable = true;
    warned = false;
    log.info('Redis reachable: login throttling and hook rate limits are shared');
  });
  client.on('error', (error) => {
    reachable = false;
    if (warned) return;
    warned = true;
    log.warn({ err: error }, 'Redis unreachable: login throttling and hook rate limits count per process');
  });
  return { client, reachable: () => reachable };
}
