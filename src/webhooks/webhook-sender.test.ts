import { describe, expect, it } from 'vitest';
import { afterAttempt } from './webhook-sender.js';

const now = new Date('2026-03-01T00:00:00.000Z');
const later = (ms: number) => new Date(now.getTime() + ms).toISOString();
const base = { now, maxAttempts: 5, giveUpAt: later(3_600_000), random: () => 0.5 };

describe('what becomes of a delivery after an attempt', () => {
  it.each([
    [
      'a success is delivered',
      { attempt: 1, ok: true },
      { state: 'delivered', next_attempt_at: null, delivered_at: now.toISOString() },
    ],
    [
      'a first failure waits half of 10 s (pinned jitter)',
      { attempt: 1, ok: false },
      { state: 'pending', next_attempt_at: later(5_000) },
    ],
    [
      'a third failure waits half of 40 s',
      { attempt: 3, ok: false },
      { state: 'pending', next_attempt_at: later(20_000) },
    ],
    [
      'the last allowed attempt gives up',
      { attempt: 5, ok: false },
      { state: 'failed', next_attempt_at: null },
    ],
    [
      'a retry past the give-up time gives up',
      { attempt: 4, ok: false, giveUpAt: later(1_000) },
      { state: 'failed', next_attempt_at: null },
    ],
    ['a success on the last attempt is still delivered', { attempt: 5, ok: true }, { state: 'delivered' }],
  ] as const)('%s', (_name, input, expected) => {
    expect(afterAttempt({ ...base, ...input })).toMatchObject(expected);
  });

  it('never waits longer than an hour, whatever the attempt', () => {
    const outcome = afterAttempt({
      ...base,
      giveUpAt: later(10 * 86_400_000),
      maxAttempts: 100,
      attempt: 40,
      ok: false,
      random: () => 0.999,
    });
    expect(new Date(outcome.next_attempt_at!).getTime() - now.getTime()).toBeLessThanOrEqual(3_600_000);
  });
});
