import { describe, expect, it } from 'vitest';
import { retentionCutoff } from './retention-cutoff.js';
import { LOG_TABLES, retainedLogNamed } from './retained-logs.js';

describe('retentionCutoff', () => {
  it.each([
    ['2026-03-10T12:00:00.000Z', 90, '2025-12-10T00:00:00.000Z'],
    ['2026-03-10T00:00:00.000Z', 90, '2025-12-10T00:00:00.000Z'],
    ['2026-03-10T23:59:59.999Z', 90, '2025-12-10T00:00:00.000Z'],
    ['2026-03-11T00:00:00.000Z', 1, '2026-03-10T00:00:00.000Z'],
    ['2028-03-01T06:00:00.000Z', 366, '2027-03-01T00:00:00.000Z'],
  ])('at %s with %i days keeps from %s', (now, days, first) => {
    expect(retentionCutoff(new Date(now), days).toISOString()).toBe(first);
  });
});

describe('log id bounds', () => {
  it('are the first id of the millisecond, in each stored form, ordered like the entries', () => {
    const ms = Date.parse('2026-01-29T00:00:00.000Z');
    const text = LOG_TABLES.activity.idAt(ms) as string;
    expect(text).toMatch(/^log_[0-9a-z]{10}0{16}$/);
    const bytes = LOG_TABLES.blocked.idAt(ms) as Buffer;
    expect(bytes.readUIntBE(0, 6)).toBe(ms);
    expect(bytes.subarray(6).every((b) => b === 0)).toBe(true);
    expect(LOG_TABLES.blocked.idText(bytes)).toBe(text);
    expect((LOG_TABLES.activity.idAt(ms - 1) as string) < text).toBe(true);
  });
});

describe('retainedLogNamed', () => {
  it('takes the command line and the settings spellings, nothing else', () => {
    expect(retainedLogNamed('failed-api-calls')).toBe('failed_api_calls');
    expect(retainedLogNamed('api_calls')).toBe('api_calls');
    expect(retainedLogNamed('audit')).toBeUndefined();
    expect(retainedLogNamed('')).toBeUndefined();
  });
});
