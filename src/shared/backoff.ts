/** Retry delays for outgoing deliveries: exponential with full jitter, so retries from many senders spread. */
export interface BackoffPolicy {
  /** Delay ceiling of the first retry (ms). */
  baseMs: number;
  /** No delay is longer than this (ms). */
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1_000, maxMs: 5 * 60_000 };

/**
 * Delay before retry number `attempt` (1 for the first retry): uniform in [0, min(max, base·2^(attempt-1))].
 * `random` returns [0, 1) and is injected so tests can pin it.
 */
export function retryDelayMs(
  attempt: number,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** exponent);
  return Math.floor(random() * ceiling);
}
