import { describe, expect, it } from 'vitest';
import { RATE_LIMIT_TABLE } from '../../test/helpers/rate-limit-table.js';
import { decideRateLimit, rateLimitStateExpiresAt, type RateLimitState } from './rate-limit.js';
import type { RateLimit } from './security-types.js';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');

function run(limit: RateLimit, times: number[]) {
  let state: RateLimitState | null = null;
  return times.map((t) => {
    const outcome = decideRateLimit(state, limit, T0 + t);
    state = outcome.state;
    return outcome.decision;
  });
}

describe('rate-limit decision (GCRA, burst = limit)', () => {
  it.each(RATE_LIMIT_TABLE)('$name', ({ limit, hits }) => {
    const decisions = run(
      limit,
      hits.map(([t]) => t),
    );
    expect(decisions.map((d) => [d.allowed, d.remaining, d.reset_seconds, d.retry_after_seconds])).toEqual(
      hits.map(([, ...expected]) => expected),
    );
    for (const d of decisions) expect(d.limit).toBe(limit.limit);
  });

  it('admits exactly 20 of a burst of 40 against a limit of 20', () => {
    const decisions = run(
      { limit: 20, window_seconds: 60 },
      Array.from({ length: 40 }, () => 0),
    );
    expect(decisions.filter((d) => d.allowed)).toHaveLength(20);
    expect(decisions.slice(0, 20).every((d) => d.allowed)).toBe(true);
    expect(decisions.map((d) => d.remaining).slice(0, 21)).toEqual([
      ...Array.from({ length: 20 }, (_, i) => 19 - i),
      0,
    ]);
    expect(decisions[20]).toMatchObject({ allowed: false, reset_seconds: 60, retry_after_seconds: 3 });
  });

  it('sustains exactly limit per window over a long run, whatever the arrival pattern', () => {
    const limit = { limit: 20, window_seconds: 60 };
    // A request every 250 ms for an hour: 20 at once, then one every 3 s.
    const times = Array.from({ length: 4 * 3600 }, (_, i) => i * 250);
    const admitted = run(limit, times).filter((d) => d.allowed).length;
    expect(admitted).toBe(20 + Math.floor((3600_000 - 250) / 3000));
  });

  it('a client that waits Retry-After is admitted', () => {
    const limit = { limit: 5, window_seconds: 7 };
    let state: RateLimitState | null = null;
    let now = T0;
    let refusals = 0;
    for (let i = 0; i < 100; i++) {
      const { decision, state: next } = decideRateLimit(state, limit, now);
      state = next;
      if (decision.allowed) continue;
      refusals++;
      expect(decision.retry_after_seconds).toBeGreaterThan(0);
      now += decision.retry_after_seconds * 1000;
      const retried = decideRateLimit(state, limit, now);
      expect(retried.decision.allowed).toBe(true);
      state = retried.state;
    }
    expect(refusals).toBeGreaterThan(10);
  });

  it('a changed limit starts a fresh count', () => {
    let state = decideRateLimit(null, { limit: 1, window_seconds: 60 }, T0).state;
    expect(decideRateLimit(state, { limit: 1, window_seconds: 60 }, T0).decision.allowed).toBe(false);
    state = decideRateLimit(state, { limit: 2, window_seconds: 60 }, T0).state;
    expect(state).toMatchObject({ limit: 2, used: 60_000 });
  });

  it('says when its state is no longer needed', () => {
    const { state } = decideRateLimit(null, { limit: 4, window_seconds: 10 }, T0);
    expect(rateLimitStateExpiresAt(state)).toBe(T0 + 2_500);
  });

  it('refuses limits it cannot count exactly', () => {
    expect(() => decideRateLimit(null, { limit: 0, window_seconds: 60 }, T0)).toThrow(RangeError);
    expect(() => decideRateLimit(null, { limit: 1.5, window_seconds: 60 }, T0)).toThrow(RangeError);
    expect(() => decideRateLimit(null, { limit: 10, window_seconds: 0 }, T0)).toThrow(RangeError);
    expect(() => decideRateLimit(null, { limit: 1e9, window_seconds: 1e7 }, T0)).toThrow(RangeError);
    expect(() => decideRateLimit(null, { limit: 1e6, window_seconds: 86_400 }, T0)).not.toThrow();
  });
});
