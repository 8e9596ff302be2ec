import { describe, expect, it } from 'vitest';
import { decideLogin, failureDelayMs } from './login-throttle.js';

const settings = { maxFailures: 5, windowMinutes: 15 };
const now = new Date('2026-01-01T12:00:00.000Z');
const minutesAgo = (n: number) => new Date(now.getTime() - n * 60_000).toISOString();

describe('login throttling decisions', () => {
  it.each([
    { name: 'no failures', email: [], ip: [], expected: { allowed: true } },
    {
      name: 'four account failures',
      email: [10, 8, 6, 4].map(minutesAgo),
      ip: [],
      expected: { allowed: true },
    },
    {
      name: 'five account failures: locked until the oldest leaves the window',
      email: [10, 8, 6, 4, 2].map(minutesAgo),
      ip: [],
      expected: { allowed: false, retryAfterSeconds: 5 * 60 },
    },
    {
      name: 'five address failures',
      email: [],
      ip: [14, 3, 2, 1, 0.5].map(minutesAgo),
      expected: { allowed: false, retryAfterSeconds: 60 },
    },
    {
      name: 'seven failures: the lock lasts until only four remain (the third oldest leaves)',
      email: [12, 11, 10, 9, 8, 7, 6].map(minutesAgo),
      ip: [],
      expected: { allowed: false, retryAfterSeconds: 5 * 60 },
    },
    {
      name: 'the longer of two locks wins',
      email: [14, 13, 12, 11, 10].map(minutesAgo),
      ip: [5, 4, 3, 2, 1].map(minutesAgo),
      expected: { allowed: false, retryAfterSeconds: 10 * 60 },
    },
  ])('$name', ({ email, ip, expected }) => {
    expect(decideLogin(email, ip, now, settings)).toEqual(expected);
  });

  it('slows answers by 250 ms per failure, up to 2 s', () => {
    expect([1, 2, 3, 8, 9, 50].map(failureDelayMs)).toEqual([250, 500, 750, 2000, 2000, 2000]);
  });
});
