import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_BAN_POLICIES } from '../../src/security/ban-tracker.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

const UNIT_SECONDS: Record<string, number> = { min: 60, h: 3600 };
const seconds = (cell: string) => {
  const [amount, unit = ''] = cell.split(' ');
  return Number(amount) * (UNIT_SECONDS[unit] ?? NaN);
};

describe('README "Automatic bans"', () => {
  it('shows the default ban policies the server applies', () => {
    const start = readme.indexOf('<!-- ban-policies-table');
    expect(start).toBeGreaterThan(0);
    const lines = readme.slice(start).split('\n').slice(1);
    const table = lines.slice(lines.findIndex((line) => line.startsWith('|')));
    const rows = table
      .slice(
        0,
        table.findIndex((line) => !line.startsWith('|')),
      )
      .slice(2)
      .map((row) =>
        row
          .slice(1, -1)
          .split('|')
          .map((cell) => cell.trim().replace(/`/g, '')),
      );
    expect(
      rows.map(([offence, subject, counts, max, find, ban, maxBan]) => ({
        offence,
        subject,
        distinct_keys: counts === 'distinct keys',
        max_failures: Number(max),
        find_time_seconds: seconds(find!),
        ban_time_seconds: seconds(ban!),
        max_ban_time_seconds: seconds(maxBan!),
      })),
    ).toEqual(DEFAULT_BAN_POLICIES);
  });
});
