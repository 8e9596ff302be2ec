import { decodeCursor, toPage, type Page } from '../http/pagination.js';
import { CHANNELS, DIRECTIONS, METHOD_CODES, idBoundary, timestampOfId } from './log-entry.js';
import type { ApiCallEntry, BlockedEntry, FailedApiCallEntry, LogQuery } from './log.schemas.js';
import type { ApiCallRow, BlockedRow, LogListQuery, RequestLogRepository } from './request-log.repository.js';

function apiCallEntry(row: ApiCallRow): ApiCallEntry {
  return {
    id: row.id,
    timestamp: timestampOfId(row.id),
    endpoint: row.endpoint,
    path: row.path ?? row.endpoint ?? '',
    method: METHOD_CODES[row.method] ?? 'OTHER',
    status: row.status,
    response_time_ms: row.response_time_us / 1000,
    ip: row.ip,
    api_key: row.api_key,
    api_key_id: row.api_key_id,
    request_size: row.request_size,
    response_size: row.response_size,
    user_agent: row.user_agent,
    license_key: row.license_key,
    license_id: row.license_id,
    customer_id: row.customer_id,
    product_id: row.product_id,
    channel: CHANNELS[row.channel] ?? 'api',
    direction: DIRECTIONS[row.direction] ?? 'incoming',
  };
}

function failedEntry(row: ApiCallRow): FailedApiCallEntry {
  return {
    ...apiCallEntry(row),
    error_code: row.error_code,
    error_message: row.error_message,
    stack_trace: row.stack_trace,
    validation_errors: row.validation_errors ? JSON.parse(row.validation_errors) : null,
    retry_count: row.retry_count,
    request_body: row.request_body,
    request_body_truncated: row.request_body_truncated === null ? null : row.request_body_truncated === 1,
  };
}

function blockedEntry(row: BlockedRow): BlockedEntry {
  return {
    ...row,
    timestamp: timestampOfId(row.id),
    method: METHOD_CODES[row.method] ?? 'OTHER',
  };
}

function listQuery(query: LogQuery): LogListQuery {
  return {
    limit: query.limit,
    before: decodeCursor(query.cursor),
    fromId: query.from ? idBoundary('log', new Date(query.from), false) : undefined,
    toId: query.to ? idBoundary('log', new Date(query.to), true) : undefined,
  };
}

/** Reading the request logs: newest first, cursor-paginated, in the contract's field names. */
export function createLogQueryService(repository: RequestLogRepository) {
  return {
    async apiCalls(query: LogQuery): Promise<Page<ApiCallEntry>> {
      const rows = await repository.listApiCalls(listQuery(query));
      const page = toPage(rows, query.limit);
      return { data: page.data.map(apiCallEntry), next_cursor: page.next_cursor };
    },
    async failedApiCalls(query: LogQuery): Promise<Page<FailedApiCallEntry>> {
      const rows = await repository.listApiCalls({ ...listQuery(query), failedOnly: true });
      const page = toPage(rows, query.limit);
      return { data: page.data.map(failedEntry), next_cursor: page.next_cursor };
    },
    async blocked(query: LogQuery): Promise<Page<BlockedEntry>> {
      const rows = await repository.listBlocked(listQuery(query));
      const page = toPage(rows, query.limit);
      return { data: page.data.map(blockedEntry), next_cursor: page.next_cursor };
    },
  };
}

export type LogQueryService = ReturnType<typeof createLogQueryService>;
