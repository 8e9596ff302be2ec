import type { RateLimit, RateLimitDecision } from './security-types.js';

/**
 * The rate-limit decision: GCRA (the generic cell rate algorithm), which is a token bucket whose burst
 * equals the limit. A client may spend its whole quota at once (a burst of 40 against 20 admits exactly
 * 20), then earns one request back every `window / limit`. Chosen over a fixed window (which lets 2×limit
 * through around a window edge) and a sliding log (exact too, but it keeps one timestamp per request:
 * memory and Redis work grow with the limit); GCRA keeps two numbers per key and still yields every figure
 * the headers need.
 *
 * All arithmetic is on integers so the Lua copy in Redis computes the very same answers as this function:
 * time in ms, and spent capacity `used` in units of 1/limit ms — a request costs `window_ms`, a full bucket
 * is `limit × window_ms`, and it drains by `limit` per ms. With fractions (window / limit is rarely whole)
 * the two runtimes would drift apart by rounding.
 */
export interface RateLimitState {
  /** The limit this state was counted under: a changed limit starts afresh. */
  limit: number;
  window_ms: number;
  /** Epoch ms of the latest hit; never moves backwards, so a clock that steps back refunds nothing. */
  at: number;
  /** Spent capacity at `at`, in units of 1/limit ms (0 … limit × window_ms). */
  used: number;
}

export interface RateLimitOutcome {
  decision: RateLimitDecision;
  /** Save this in place of the old state (also after a refusal, so every store behaves alike). */
  state: RateLimitState;
}

/** Window in ms, after checking the limit can be computed exactly on doubles (Lua has no integers). */
export function windowMs(limit: RateLimit): number {
  const window = Math.round(limit.window_seconds * 1000);
  if (!Number.isSafeInteger(limit.limit) || limit.limit < 1)
    throw new RangeError(`rate limit must be a whole number ≥ 1, got ${limit.limit}`);
  if (window < 1) throw new RangeError(`rate-limit window must be at least 1 ms, got ${window}`);
  if ((limit.limit + 1) * window > Number.MAX_SAFE_INTEGER)
    throw new RangeError('rate limit × window too large to count exactly');
  return window;
}

/** Pure: the answer for one request at `now` (epoch ms), and the state to keep. */
export function decideRateLimit(
  state: RateLimitState | null,
  limit: RateLimit,
  now: number,
): RateLimitOutcome {
  const window = windowMs(limit);
  const capacity = limit.limit * window;
  const at0 = Math.floor(now);
  let at = at0;
  let used = 0;
  if (state && state.limit === limit.limit && state.window_ms === window) {
    at = state.at;
    used = state.used;
    if (at0 > at) {
      const elapsed = at0 - at;
      used = elapsed >= window ? 0 : Math.max(0, used - elapsed * limit.limit);
      at = at0;
    }
  }
  const allowed = used + window <= capacity;
  let retryMs = 0;
  if (allowed) used += window;
  else retryMs = Math.ceil((used + window - capacity) / limit.limit);
  return {
    decision: {
      allowed,
      limit: limit.limit,
      remaining: Math.floor((capacity - used) / window),
      reset_seconds: Math.ceil(Math.ceil(used / limit.limit) / 1000),
      retry_after_seconds: Math.ceil(retryMs / 1000),
    },
    state: { limit: limit.limit, window_ms: window, at, used },
  };
}

/** Epoch ms after which the state is the same as no state (its bucket has refilled). */
export function rateLimitStateExpiresAt(state: RateLimitState): number {
  return state.at + Math.ceil(state.used / state.limit);
}
