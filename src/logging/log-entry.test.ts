import { describe, expect, it } from 'vitest';
import { manualClock } from '../shared/clock.js';
import { createLogIdGenerator, timestampOfId } from './log-entry.js';

describe('timestampOfId', () => {
  it('gives each id its clock reading, in any order, across seconds, days and years', () => {
    const clock = manualClock('2025-12-31T23:59:58.997Z');
    const nextId = createLogIdGenerator(clock);
    const expected = new Map<string, string>();
    for (let i = 0; i < 3000; i++) {
      clock.advance(i % 5 === 0 ? 999 : 1);
      expected.set(nextId(), clock.now().toISOString());
    }
    const ids = [...expected.keys()];
    // Interleaved with ids of other seconds, as a reader of several logs calls it.
    const shuffled = ids.flatMap((id, i) => [id, ids[ids.length - 1 - i]!]);
    for (const id of shuffled) expect(timestampOfId(id)).toBe(expected.get(id));
  });

  it('reads the bounds of the time part as Date does, years past 9999 included', () => {
    expect(timestampOfId('log_0000000000zzzzzzzzzzzzzzzz')).toBe('1970-01-01T00:00:00.000Z');
    expect(timestampOfId('log_07zzzzzzzz0000000000000000')).toBe(new Date(2 ** 43 - 1).toISOString());
    expect(timestampOfId('log_7zzzzzzzzz0000000000000000')).toBe('+010889-08-02T05:31:50.655Z');
  });
});
