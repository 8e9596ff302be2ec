import { sql, type RawBuilder } from 'kysely';
import { idBytesAt } from '../analytics/time-buckets.js';
import { idFromBytes } from '../request-log.codec.js';

/** The logs retention applies to, named as in the logging settings' `retention_days`. */
export const RETAINED_LOGS = ['activity', 'api_calls', 'failed_api_calls', 'blocked'] as const;
export type RetainedLog = (typeof RETAINED_LOGS)[number];

export type LogTableName = 'activity_log' | 'api_call_log' | 'blocked_log';

/** Where a log's entries live: the table, and which of its rows are the log's when it shares one. */
export interface RetainedLogTable {
  log: RetainedLog;
  table: LogTableName;
  /** Rows of the table that belong to the log; null: every row. */
  rows: RawBuilder<boolean> | null;
  /** The stored id of the first entry of a millisecond: ids sort by time, so a time is an id bound. */
  idAt(ms: number): string | Buffer;
  /** A stored id as the API shows it. */
  idText(stored: string | Buffer): string;
}

const textId = (ms: number) => idFromBytes('log', idBytesAt(ms));
const textOf = (stored: string | Buffer) =>
  typeof stored === 'string' ? stored : idFromBytes('log', stored);

export const LOG_TABLES: Record<RetainedLog, RetainedLogTable> = {
  activity: { log: 'activity', table: 'activity_log', rows: null, idAt: textId, idText: textOf },
  api_calls: {
    log: 'api_calls',
    table: 'api_call_log',
    rows: sql<boolean>`status < 400`,
    idAt: idBytesAt,
    idText: textOf,
  },
  failed_api_calls: {
    log: 'failed_api_calls',
    table: 'api_call_log',
    rows: sql<boolean>`status >= 400`,
    idAt: idBytesAt,
    idText: textOf,
  },
  blocked: { log: 'blocked', table: 'blocked_log', rows: null, idAt: idBytesAt, idText: textOf },
};

/** `api-calls` (as the other `logs` commands name it) or `api_calls` (as the settings do). */
export function retainedLogNamed(name: string): RetainedLog | undefined {
  const normal = name.trim().replace(/-/g, '_');
  return (RETAINED_LOGS as readonly string[]).includes(normal) ? (normal as RetainedLog) : undefined;
}
