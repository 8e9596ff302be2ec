import type { LogEntry, LogName } from '../logging/log-readers.js';

/** What a person scanning a terminal wants per log; `--format ndjson` gives every field. */
const TABLE_COLUMNS: Record<LogName, string[]> = {
  activity: [
    'timestamp',
    'admin_user',
    'channel',
    'action_type',
    'resource_type',
    'resource_id',
    'result',
    'ip',
  ],
  'api-calls': ['timestamp', 'method', 'status', 'path', 'response_time_ms', 'ip', 'api_key', 'license_key'],
  'failed-api-calls': ['timestamp', 'method', 'status', 'path', 'error_code', 'ip', 'api_key', 'license_key'],
  blocked: ['timestamp', 'block_reason', 'rule_id', 'method', 'path', 'ip', 'country_code', 'threat_score'],
};

const MAX_WIDTH = 48;

/**
 * A control character, a line break or a bidirectional override in a stored value (a user agent, a
 * path) could rewrite the terminal or forge a line; each is shown escaped, as JSON would.
 */
// eslint-disable-next-line no-control-regex
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

export function printable(value: unknown): string {
  if (value === null || value === undefined) return '-';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return text.replace(UNPRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function fit(text: string, width: number): string {
  const cut = text.length > width ? `${text.slice(0, width - 1)}…` : text;
  return cut.padEnd(width);
}

/** Aligned columns sized to the rows at hand, each cell cut at MAX_WIDTH characters. */
export function tableLines(log: LogName, entries: LogEntry[], header = true): string[] {
  const columns = TABLE_COLUMNS[log];
  const cells = entries.map((entry) => columns.map((column) => printable(entry[column])));
  const widths = columns.map((column, i) =>
    Math.min(MAX_WIDTH, Math.max(column.length, ...cells.map((row) => row[i]!.length))),
  );
  const line = (row: string[]) =>
    row
      .map((cell, i) => fit(cell, widths[i]!))
      .join('  ')
      .trimEnd();
  return [...(header ? [line(columns.map((c) => c.toUpperCase()))] : []), ...cells.map(line)];
}
