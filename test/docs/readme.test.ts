import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PERMISSIONS, ROLES, ROLE_PERMISSIONS } from '../../src/access/permissions.js';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const readme = read('README.md');

/** The markdown table that follows `marker`, as rows of trimmed cells (separator row left out). */
function tableAfter(markdown: string, marker: string): string[][] {
  const start = markdown.indexOf(marker);
  if (start < 0) throw new Error(`README.md has no "${marker}"`);
  const lines = markdown.slice(start).split('\n').slice(1);
  const table = lines.slice(lines.findIndex((line) => line.startsWith('|')));
  const rows = table.slice(
    0,
    table.findIndex((line) => !line.startsWith('|')),
  );
  return rows
    .filter((row) => !/^\|[\s:|-]+\|$/.test(row))
    .map((row) =>
      row
        .slice(1, -1)
        .split('|')
        .map((cell) => cell.trim()),
    );
}

describe('README.md', () => {
  it('shows the permission table the server enforces', () => {
    const [header = [], ...rows] = tableAfter(readme, '<!-- roles-table');
    expect(header.slice(1)).toEqual([...ROLES]);
    expect(rows.map(([permission]) => permission?.replace(/`/g, ''))).toEqual([...PERMISSIONS]);
    for (const [permission = '', ...cells] of rows) {
      const granted = ROLES.filter((_, i) => cells[i] === '✓');
      const expected = ROLES.filter((role) =>
        ROLE_PERMISSIONS[role].has(permission.replace(/`/g, '') as never),
      );
      expect(granted, permission).toEqual(expected);
    }
  });

  it('documents every KM_ variable the configuration reads, and no other', () => {
    const used = new Set(read('src/config/config.ts').match(/\bKM_[A-Z0-9_]+\b/g));
    const documented = new Set(
      tableAfter(readme, '## Configuration').map(([name]) => name?.replace(/`/g, '') ?? ''),
    );
    documented.delete('variable');
    expect(used.size).toBeGreaterThan(0);
    expect([...used].filter((name) => !documented.has(name))).toEqual([]);
    expect([...documented].filter((name) => !used.has(name))).toEqual([]);
  });
});
