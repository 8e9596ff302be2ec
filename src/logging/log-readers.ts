import type { TObject } from '@sinclair/typebox';
import { validationError } from '../http/errors.js';
import type { Page } from '../http/pagination.js';
import type { ActivityQueryService } from './activity-query.service.js';
import type { ActivitySpec } from './activity.service.js';
import type { LogQueryService } from './log-query.service.js';
import { maskLicenseKey, maskText } from './mask.js';
import {
  ActivityEntry,
  ActivityLogQuery,
  ActivityPage,
  ApiCallEntry,
  ApiCallPage,
  BlockedEntry,
  BlockedPage,
  FailedApiCallEntry,
  FailedApiCallPage,
  LogQuery,
} from './log.schemas.js';
import { ApiCallLogQuery, BlockedLogQuery, FailedApiCallLogQuery } from './request-log.schemas.js';

export const LOG_NAMES = ['activity', 'api-calls', 'failed-api-calls', 'blocked'] as const;
export type LogName = (typeof LOG_NAMES)[number];

/** Each log's query string schema: the route's and the command line's filters (options) come from it. */
export const LOG_QUERIES: Record<LogName, TObject> = {
  activity: ActivityLogQuery,
  'api-calls': ApiCallLogQuery,
  'failed-api-calls': FailedApiCallLogQuery,
  blocked: BlockedLogQuery,
};

/** A log's query as the route and the CLI pass it: the schema's fields, already validated. */
export type ReadQuery = LogQuery & Record<string, unknown>;
export type LogEntry = Record<string, unknown>;

/** What the HTTP route and the command line need to search, page through and export one log. */
export interface LogReader {
  name: LogName;
  /** The query string schema: unknown filters and bad values are 422 (the CLI checks with it too). */
  query: TObject;
  page: TObject;
  /** The entry's fields in the contract's order: the CSV columns. */
  columns: readonly string[];
  list(query: ReadQuery): Promise<Page<LogEntry>>;
}

/** A range that ends before it starts is a mistake to point out, not a silent empty answer. */
export function checkRange(query: ReadQuery): void {
  if (query.from && query.to && new Date(query.from) > new Date(query.to)) {
    throw validationError([{ field: 'to', message: 'must not be before from' }]);
  }
}

function reader(
  name: LogName,
  page: TObject,
  entry: TObject,
  list: (query: never) => Promise<Page<LogEntry>>,
): LogReader {
  return {
    name,
    query: LOG_QUERIES[name],
    page,
    columns: Object.keys(entry.properties),
    list: async (q) => {
      checkRange(q);
      return list(q as never);
    },
  };
}

export function logReaders(
  activity: ActivityQueryService,
  logs: LogQueryService,
): Record<LogName, LogReader> {
  return {
    activity: reader('activity', ActivityPage, ActivityEntry, activity.list),
    'api-calls': reader('api-calls', ApiCallPage, ApiCallEntry, logs.apiCalls),
    'failed-api-calls': reader(
      'failed-api-calls',
      FailedApiCallPage,
      FailedApiCallEntry,
      logs.failedApiCalls,
    ),
    blocked: reader('blocked', BlockedPage, BlockedEntry, logs.blocked),
  };
}

/**
 * Filters as an activity entry keeps them: a full licence key masked, and any secret typed into
 * another filter (a key pasted into `q`) masked by its shape.
 */
function maskedFilters(filters: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(filters).map(([name, value]) => [
      name,
      typeof value !== 'string' ? value : name === 'license_key' ? maskLicenseKey(value) : maskText(value),
    ]),
  );
}

/**
 * Reading a log is itself admin activity: which log, how (search, export, follow) and with which
 * filters. The cursor and page size are how, not what, and are left out.
 */
export function readActivity(
  log: LogName,
  query: ReadQuery,
  extra: Record<string, unknown> = {},
): ActivitySpec {
  const { cursor: _cursor, limit: _limit, format, ...filters } = query;
  const exported = format === 'csv' || format === 'ndjson';
  return {
    action_type: exported ? 'LOGS_EXPORTED' : 'LOGS_SEARCHED',
    resource_type: 'logs',
    resource: `${log} log`,
    details: { log, ...(exported && { format }), filters: maskedFilters(filters), ...extra },
  };
}
