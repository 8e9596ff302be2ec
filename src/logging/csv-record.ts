/**
 * The export's CSV rule, in one place: RFC 4180 records (CRLF after each, a field holding a quote, a comma,
 * CR or LF quoted with its quotes doubled) of cells that a spreadsheet cannot run as formulas. Written
 * out rather than through csv-stringify: building a record costs the library several times this (its
 * options are read, and its separator checks run, for every field), and an export formats millions.
 * csv-record.test.ts holds the two to the same bytes and reads the output back with csv-parse.
 */

const NEEDS_QUOTES = /[",\r\n]/;

/**
 * A spreadsheet runs a cell starting with `=`, `+`, `-`, `@`, tab or CR as a formula (CSV injection):
 * such a cell gets a leading `'`, which spreadsheets show as text. Only text cells; a number cannot
 * carry a formula.
 */
function startsFormula(text: string): boolean {
  switch (text.charCodeAt(0)) {
    case 0x3d: // =
    case 0x2b: // +
    case 0x2d: // -
    case 0x40: // @
    case 0x09: // tab
    case 0x0d: // CR
      return true;
    default:
      return false;
  }
}

/** One cell's text: empty for null, JSON text for nested values (details, validation_errors). */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return startsFormula(value) ? `'${value}` : value;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** A cell's text as an RFC 4180 field. */
export function csvField(text: string): string {
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The header record: the column names. */
export function csvHeader(columns: readonly string[]): string {
  return columns.map(csvField).join(',') + '\r\n';
}

/**
 * csvField(csvCell(value)) in one step: numbers, booleans and nulls (most of a log's cells) never need
 * quotes, so only text is checked.
 */
export function csvValue(value: unknown): string {
  if (typeof value === 'string') return csvField(startsFormula(value) ? `'${value}` : value);
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return csvField(csvCell(value));
}

type RecordWriter = (entry: Record<string, unknown>) => string;

/** The record writer of one column list, its cells in `columns` order. */
export function csvRecordWriter(columns: readonly string[]): RecordWriter {
  const names = [...columns];
  return (entry) => {
    let record = '';
    for (let c = 0; c < names.length; c++) {
      if (c > 0) record += ',';
      record += csvValue(entry[names[c]!]);
    }
    return record + '\r\n';
  };
}

/** One entry as a record, its cells in `columns` order. */
export function csvRecord(columns: readonly string[], entry: Record<string, unknown>): string {
  return csvRecordWriter(columns)(entry);
}
