// API-call and blocked-request rows as the writer stores them (the read side is request-log-reads.ts).
import type { ApiCallLogTable, BlockedLogTable, ChainColumns } from '../db/schema.js';
import { boundedMemo } from '../shared/bounded-memo.js';
import type { ApiCallRecord } from './log-entry.js';
import {
  idToBytes,
  storedIp,
  storedLicenseKeyMask,
  storedReference,
  type ReferenceColumn,
} from './request-log.codec.js';

/** Stored columns in insert order; `endpoint_id` and `user_agent_id` are dictionary codes. */
export const API_CALL_COLUMNS = [
  'id',
  'endpoint_id',
  'path',
  'method',
  'status',
  'response_time_us',
  'ip',
  'api_key',
  'api_key_id',
  'request_size',
  'response_size',
  'user_agent_id',
  'license_key',
  'license_key_hash',
  'license_id',
  'customer_id',
  'product_id',
  'channel',
  'direction',
  'error_code',
  'error_message',
  'stack_trace',
  'validation_errors',
  'retry_count',
  'request_body',
  'request_body_truncated',
] as const;

export const BLOCKED_COLUMNS = [
  'id',
  'block_reason',
  'rule_id',
  'ip',
  'method',
  'path',
  'api_key',
  'user_agent',
  'country_code',
  'fingerprint',
  'threat_score',
  'matched_location',
] as const;

/** Rows as the service sees them: every value in its shown form, the id as the API shows it (`log_…`). */
export type ApiCallRow = Omit<ApiCallRecord, 'license_key_hash'>;
export type BlockedRow = Omit<BlockedLogTable, 'id' | 'ip_bytes'> & { id: string };
/** A journaled entry as the writer inserts it: the licence-key hash as bytes. */
export type ApiCallInsert = Omit<ApiCallRecord, 'license_key_hash'> & {
  license_key_hash: Buffer | null;
} & ChainColumns;

const REFERENCE_CACHE_MAX = 4096;

/**
 * storedReference, remembered: the same keys, licences, customers and products come back entry after
 * entry, and looking one up costs a fraction of decoding its ULID. The buffers are only ever read.
 */
function referenceEncoder(column: ReferenceColumn) {
  const encode = boundedMemo((id: string) => storedReference(column, id), REFERENCE_CACHE_MAX);
  return (id: string | null): Buffer | null => (id === null ? null : encode(id));
}

const storedApiKeyId = referenceEncoder('api_key_id');
const storedLicenseId = referenceEncoder('license_id');
const storedCustomerId = referenceEncoder('customer_id');
const storedProductId = referenceEncoder('product_id');

export function storedApiCallRow(
  row: ApiCallInsert,
  endpointId: number | null,
  userAgentId: number | null,
): ApiCallLogTable {
  const stored = storedApiCallColumns(row, endpointId, userAgentId);
  // Only a chained row carries its chain columns (a row built for an older schema must not name them).
  if (row.chain_seq !== undefined) {
    stored.chain_seq = row.chain_seq;
    stored.chain_hash = row.chain_hash ?? null;
  }
  return stored;
}

function storedApiCallColumns(
  row: ApiCallInsert,
  endpointId: number | null,
  userAgentId: number | null,
): ApiCallLogTable {
  return {
    id: idToBytes(row.id),
    endpoint_id: endpointId,
    path: row.path,
    method: row.method,
    status: row.status,
    response_time_us: row.response_time_us,
    ip: storedIp(row.ip),
    api_key: row.api_key,
    api_key_id: storedApiKeyId(row.api_key_id),
    request_size: row.request_size,
    response_size: row.response_size,
    user_agent_id: userAgentId,
    license_key: storedLicenseKeyMask(row.license_key),
    license_key_hash: row.license_key_hash,
    license_id: storedLicenseId(row.license_id),
    customer_id: storedCustomerId(row.customer_id),
    product_id: storedProductId(row.product_id),
    channel: row.channel,
    direction: row.direction,
    error_code: row.error_code,
    error_message: row.error_message,
    stack_trace: row.stack_trace,
    validation_errors: row.validation_errors,
    retry_count: row.retry_count,
    request_body: row.request_body,
    request_body_truncated: row.request_body_truncated,
  };
}

/** The writer's own blocked rows, just parsed, given their stored forms in place rather than copied. */
export function storedBlockedRows(rows: BlockedRow[]): BlockedLogTable[] {
  for (const row of rows) {
    const stored = row as unknown as BlockedLogTable;
    stored.id = idToBytes(row.id);
    // The address in the compact form of api_call_log.ip, for the address filters (ADR 0007).
    stored.ip_bytes = storedIp(row.ip);
  }
  return rows as unknown as BlockedLogTable[];
}
