import { describe, expect, it } from 'vitest';
import { BLOCK_REASONS } from '../logging/log-entry.js';
import { threatScore, type ThreatInput } from './threat-score.js';

describe('threat score', () => {
  const table: Array<[ThreatInput, number]> = [
    [{ reason: 'SQL_INJECTION_ATTEMPT' }, 85],
    [{ reason: 'USER_AGENT_BLOCKED' }, 80],
    [{ reason: 'ABUSE_PATTERN_DETECTED' }, 75],
    [{ reason: 'IP_BLOCKLISTED' }, 50],
    [{ reason: 'API_KEY_REVOKED' }, 40],
    [{ reason: 'RATE_LIMIT_EXCEEDED' }, 35],
    [{ reason: 'GEO_BLOCKED' }, 20],
    [{ reason: 'MALFORMED_REQUEST' }, 15],
    [{ reason: 'RATE_LIMIT_EXCEEDED', repeats: 0 }, 35],
    [{ reason: 'RATE_LIMIT_EXCEEDED', repeats: 1 }, 40],
    [{ reason: 'RATE_LIMIT_EXCEEDED', repeats: 2 }, 40],
    [{ reason: 'RATE_LIMIT_EXCEEDED', repeats: 3 }, 45],
    [{ reason: 'RATE_LIMIT_EXCEEDED', repeats: 7 }, 50],
    [{ reason: 'RATE_LIMIT_EXCEEDED', repeats: 15 }, 55],
    [{ reason: 'RATE_LIMIT_EXCEEDED', repeats: 31 }, 60],
    [{ reason: 'RATE_LIMIT_EXCEEDED', repeats: 100_000 }, 60],
    [{ reason: 'MALFORMED_REQUEST', banned_before: 1 }, 25],
    [{ reason: 'MALFORMED_REQUEST', banned_before: 2 }, 35],
    [{ reason: 'MALFORMED_REQUEST', banned_before: 9 }, 35],
    [{ reason: 'RATE_LIMIT_EXCEEDED', repeats: 1_000, banned_before: 5 }, 80],
    [{ reason: 'SQL_INJECTION_ATTEMPT', repeats: 3 }, 95],
    [{ reason: 'SQL_INJECTION_ATTEMPT', repeats: 50, banned_before: 3 }, 100],
    [{ reason: 'GEO_BLOCKED', repeats: -4, banned_before: -1 }, 20],
    [{ reason: 'GEO_BLOCKED', repeats: 1.9 }, 25],
  ];

  it.each(table)('%j → %i', (input, expected) => {
    expect(threatScore(input)).toBe(expected);
  });

  it('is a whole number from 0 to 100 for every reason, and never falls as repeats or bans grow', () => {
    for (const reason of BLOCK_REASONS) {
      let previous = -1;
      for (const repeats of [0, 1, 2, 5, 10, 100, 1e9]) {
        for (const banned_before of [0, 1, 2, 50]) {
          const score = threatScore({ reason, repeats, banned_before });
          expect(Number.isInteger(score) && score >= 0 && score <= 100).toBe(true);
        }
        const score = threatScore({ reason, repeats });
        expect(score).toBeGreaterThanOrEqual(previous);
        previous = score;
      }
    }
  });

  it('ranks a first injection above a first rate-limit or malformed request', () => {
    expect(threatScore({ reason: 'SQL_INJECTION_ATTEMPT' })).toBeGreaterThan(
      threatScore({ reason: 'RATE_LIMIT_EXCEEDED', repeats: 31, banned_before: 0 }),
    );
    expect(threatScore({ reason: 'RATE_LIMIT_EXCEEDED' })).toBeGreaterThan(
      threatScore({ reason: 'MALFORMED_REQUEST' }),
    );
  });
});
