import { Readable } from 'node:stream';
import type { Page } from '../http/pagination.js';
import { csvHeader, csvRecordWriter } from './csv-record.js';

export const EXPORT_FORMATS = ['csv', 'ndjson'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  ndjson: 'application/x-ndjson; charset=utf-8',
};

/**
 * Rows read per query. Larger pages measured slower, not faster: a page's entries outlive the young
 * generation's collections and get copied into the old one (see the export benchmark, BENCH_EXPORT_PAGE).
 */
export const EXPORT_PAGE = 500;

/** Characters of text per chunk handed to the stream (~64 KiB of mostly ASCII). */
const CHUNK_CHARS = 64 * 1024;

type Entry = Record<string, unknown>;

export interface ExportQuery {
  limit: number;
  cursor?: string;
}

function ndjsonLine(entry: Entry): string {
  // JSON escapes CR and LF inside strings: one entry is always one line.
  return JSON.stringify(entry) + '\n';
}

/** One page as export text: the CSV header row only when asked for. */
export function pageText(
  format: ExportFormat,
  columns: readonly string[],
  entries: Entry[],
  header: boolean,
): string {
  let text = format === 'csv' && header ? csvHeader(columns) : '';
  const line = format === 'csv' ? csvRecordWriter(columns) : ndjsonLine;
  for (const entry of entries) text += line(entry);
  return text;
}

export interface ExportOptions {
  pageSize?: number;
  /** Called after each page is formatted, with the rows it held (progress reporting). */
  onRows?: (rows: number) => void;
}

/**
 * Every entry `list` finds for `query`, newest first, as CSV (header row in `columns` order) or NDJSON.
 * Constant memory: one page is read at a time, and its text is handed over in chunks of about 64 KiB,
 * each made only when the consumer has taken the previous one (Readable.from pulls the generator on
 * demand, so a slow client slows the formatting and the reads instead of filling memory). The first page is read before this resolves, so a bad filter or cursor fails here, before
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
  const line = format === 'csv' ? csvRecordWriter(columns) : ndjsonLine;
  async function* chunks(): AsyncGenerator<Buffer> {
    let page = first;
    let text = format === 'csv' ? csvHeader(columns) : '';
    for (;;) {
      for (const entry of page.data) {
        text += line(entry);
        if (text.length >= CHUNK_CHARS) {
          yield Buffer.from(text);
          text = '';
        }
      }
      options.onRows?.(page.data.length);
      if (!page.next_cursor) break;
      page = await list({ ...query, limit, cursor: page.next_cursor });
    }
    if (text.length > 0) yield Buffer.from(text);
  }
  return Readable.from(chunks(), { objectMode: false });
}
