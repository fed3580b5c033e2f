/** A receiver's Retry-After is honoured up to this: longer would let it park messages for ever. */
const MAX_RETRY_AFTER_MS = 86_400_000;

/**
 * When a failed attempt's message goes again, or undefined when `attempt` (1 for the first) was
 * the schedule's last: the schedule's wait before the next attempt, or the receiver's Retry-After
 * when that is longer.
 */
export function nextAttemptDelayMs(
  scheduleMs: readonly number[],
  attempt: number,
  retryAfterMs: number | undefined,
): number | undefined {
  if (attempt >= scheduleMs.length) return undefined;
  return Math.max(scheduleMs[attempt], Math.min(retryAfterMs ?? 0, MAX_RETRY_AFTER_MS));
}
