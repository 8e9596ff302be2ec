import type { RateLimit } from '../../src/security/security-types.js';

/**
 * Expected outcomes of successive requests for one key, shared by the pure-function test and the store
 * tests (memory and Redis must give the very same answers). Times are ms since the first request.
 */
export interface RateLimitCase {
  name: string;
  limit: RateLimit;
  /** [at ms, allowed, remaining, reset_seconds, retry_after_seconds] */
  hits: Array<[number, boolean, number, number, number]>;
}

export const RATE_LIMIT_TABLE: RateLimitCase[] = [
  {
    // 3 per minute: one request earned back every 20 s.
    name: '3 per 60 s: burst, refusal, drip, full refill',
    limit: { limit: 3, window_seconds: 60 },
    hits: [
      [0, true, 2, 20, 0],
      [0, true, 1, 40, 0],
      [0, true, 0, 60, 0],
      [0, false, 0, 60, 20],
      [19_999, false, 0, 41, 1],
      [20_000, true, 0, 60, 0],
      [30_000, false, 0, 50, 10],
      [79_999, true, 1, 21, 0],
      [200_000, true, 2, 20, 0],
    ],
  },
  {
    // 7 per 10 s: 10 000 / 7 is not whole; exact integer arithmetic still earns a request back at 1429 ms.
    name: '7 per 10 s: an interval that is not a whole number of ms',
    limit: { limit: 7, window_seconds: 10 },
    hits: [
      ...Array.from({ length: 7 }, (_, i): [number, boolean, number, number, number] => [
        0,
        true,
        6 - i,
        Math.ceil(((i + 1) * 10_000) / 7 / 1000),
        0,
      ]),
      [0, false, 0, 10, 2],
      [1_428, false, 0, 9, 1],
      [1_429, true, 0, 10, 0],
      [2_857, false, 0, 9, 1],
      [2_858, true, 0, 10, 0],
    ],
  },
  {
    name: '1 per second: Retry-After and Reset are whole seconds, rounded up',
    limit: { limit: 1, window_seconds: 1 },
    hits: [
      [0, true, 0, 1, 0],
      [1, false, 0, 1, 1],
      [999, false, 0, 1, 1],
      [1_000, true, 0, 1, 0],
      [5_000, true, 0, 1, 0],
    ],
  },
  {
    name: 'a clock that steps back refunds nothing',
    limit: { limit: 2, window_seconds: 10 },
    hits: [
      [10_000, true, 1, 5, 0],
      [10_000, true, 0, 10, 0],
      [0, false, 0, 10, 5],
      [14_999, false, 0, 6, 1],
      [15_000, true, 0, 10, 0],
    ],
  },
];
