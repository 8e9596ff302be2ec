import { describe, expect, it } from 'vitest';
import { retryDelayMs } from './backoff.js';

describe('retryDelayMs', () => {
  const policy = { baseMs: 1_000, maxMs: 60_000 };

  it('doubles the ceiling with each attempt up to the maximum', () => {
    const ceilings = [1, 2, 3, 4, 5, 6, 7, 8].map((attempt) => retryDelayMs(attempt, policy, () => 0.999999));
    expect(ceilings).toEqual([999, 1_999, 3_999, 7_999, 15_999, 31_999, 59_999, 59_999]);
  });

  it('spreads delays down to zero (full jitter)', () => {
    expect(retryDelayMs(5, policy, () => 0)).toBe(0);
    expect(retryDelayMs(5, policy, () => 0.5)).toBe(8_000);
  });

  it('stays finite for very large attempt numbers', () => {
    expect(retryDelayMs(10_000, policy, () => 0.5)).toBe(30_000);
  });
});
