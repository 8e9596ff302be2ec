import { notFound } from '../http/errors.js';
import { toPage, type Page } from '../http/pagination.js';
import { CHANNELS, DIRECTIONS, METHOD_CODES, timestampOfId } from './log-entry.js';
import type { ApiCallEntry, BlockedEntry, FailedApiCallEntry } from './log.schemas.js';
import { apiCallSearchOf, blockedSearchOf, type FilterDeps } from './request-log-filters.js';
import type { ApiCallRow, BlockedRow, RequestLogRepository } from './request-log.repository.js';
import type { ApiCallLogQuery, BlockedLogQuery, FailedApiCallLogQuery } from './request-log.schemas.js';

export function apiCallEntry(row: ApiCallRow): ApiCallEntry {
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

export function failedEntry(row: ApiCallRow): FailedApiCallEntry {
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

export function blockedEntry(row: BlockedRow): BlockedEntry {
  return {
    ...row,
    timestamp: timestampOfId(row.id),
    method: METHOD_CODES[row.method] ?? 'OTHER',
  };
}

/** Reading the request logs: newest first, keyset-paginated, in the contract's field names. */
export function createLogQueryService(repository: RequestLogRepository, deps: FilterDeps) {
  async function apiCallRows(query: ApiCallLogQuery, failedLog: boolean): Promise<Page<ApiCallRow>> {
    const rows = await repository.searchApiCalls(await apiCallSearchOf(query, failedLog, deps));
    return toPage(rows, query.limit);
  }

  async function apiCalls(query: ApiCallLogQuery): Promise<Page<ApiCallEntry>> {
    const page = await apiCallRows(query, false);
    return { data: page.data.map(apiCallEntry), next_cursor: page.next_cursor };
  }

  return {
    apiCalls,
    async failedApiCalls(query: FailedApiCallLogQuery): Promise<Page<FailedApiCallEntry>> {
      const page = await apiCallRows(query, true);
      return { data: page.data.map(failedEntry), next_cursor: page.next_cursor };
    },
    async blocked(query: BlockedLogQuery): Promise<Page<BlockedEntry>> {
      const page = toPage(await repository.searchBlocked(blockedSearchOf(query)), query.limit);
      return { data: page.data.map(blockedEntry), next_cursor: page.next_cursor };
    },
    /** A customer's API history: 404 for an unknown customer, unlike the filter, which finds nothing. */
    async customerApiCalls(customerId: string, query: ApiCallLogQuery): Promise<Page<ApiCallEntry>> {
      if ((await deps.licenses.keysOfCustomer(customerId)) === null) throw notFound('Customer');
      return apiCalls({ ...query, customer_id: customerId });
    },
    async licenseApiCalls(licenseId: string, query: ApiCallLogQuery): Promise<Page<ApiCallEntry>> {
      if ((await deps.licenses.keyOf(licenseId)) === null) throw notFound('License');
      return apiCalls({ ...query, license_id: licenseId });
    },
  };
}

export type LogQueryService = ReturnType<typeof createLogQueryService>;
