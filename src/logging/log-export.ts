import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import type { Page } from '../http/pagination.js';

export const EXPORT_FORMATS = ['csv', 'ndjson'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  ndjson: 'application/x-ndjson; charset=utf-8',
};

/** Rows read per query: large enough that a query's round trip is small next to its rows. */
export const EXPORT_PAGE = 1000;

type Entry = Record<string, unknown>;

export interface ExportQuery {
  limit: number;
  cursor?: string;
}

/**
 * A spreadsheet runs a cell starting with one of these as a formula (CSV injection): such a cell gets a
 * leading `'`, which spreadsheets show as text. Only text cells; a number cannot carry a formula.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

/** One CSV cell: empty for null, JSON text for nested values (details, validation_errors). */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return FORMULA_START.test(value) ? `'${value}` : value;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function csvChunk(columns: readonly string[], entries: Entry[], header: boolean): string {
  const records = entries.map((entry) => columns.map((column) => csvCell(entry[column])));
  if (header) records.unshift([...columns]);
  // RFC 4180: CRLF between records, and any field holding CR or LF quoted. csv-stringify quotes only a
  // field holding the whole record delimiter, so a lone CR or LF is named here: it cannot start a row.
  return stringify(records, { record_delimiter: 'windows', quoted_match: /[\r\n]/ });
}

function ndjsonChunk(entries: Entry[]): string {
  // JSON escapes CR and LF inside strings: one entry is always one line.
  let text = '';
  for (const entry of entries) text += JSON.stringify(entry) + '\n';
  return text;
}

/** One page as export text: the CSV header row only when asked for. */
export function pageText(
  format: ExportFormat,
  columns: readonly string[],
  entries: Entry[],
  header: boolean,
): string {
  return format === 'csv' ? csvChunk(columns, entries, header) : ndjsonChunk(entries);
}

export interface ExportOptions {
  pageSize?: number;
  /** Called after each page is handed to the stream, with the rows it held (progress reporting). */
  onRows?: (rows: number) => void;
}

/**
 * Every entry `list` finds for `query`, newest first, as CSV (header row in `columns` order) or NDJSON.
 * Constant memory: one page is read at a time, and only when the consumer has taken the previous one
 * (Readable.from pulls the generator on demand, so a slow client slows the reads instead of filling
 * memory). The first page is read before this resolves, so a bad filter or cursor fails here, before
 * any response header is sent. Entries written while the export runs are newer than its first page and
 * are left out; the cursor keeps the rest from shifting.
 */
export async function exportStream<Q extends ExportQuery>(
  format: ExportFormat,
  columns: readonly string[],
  list: (query: Q) => Promise<Page<Entry>>,
  query: Q,
  options: ExportOptions = {},
): Promise<Readable> {
  const limit = options.pageSize ?? EXPORT_PAGE;
  const first = await list({ ...query, limit });
  async function* chunks(): AsyncGenerator<string> {
    let page = first;
    let header = format === 'csv';
    for (;;) {
      if (page.data.length > 0 || header) {
        yield pageText(format, columns, page.data, header);
        header = false;
      }
      options.onRows?.(page.data.length);
      if (!page.next_cursor) return;
      page = await list({ ...query, limit, cursor: page.next_cursor });
    }
  }
  return Readable.from(chunks(), { objectMode: false });
}
