import { hexOf } from '../db/array-rows.js';
import type { Executor } from '../db/database.js';
import { boundedMemo } from '../shared/bounded-memo.js';
import {
  idFromHex,
  ipFromHex,
  licenseKeyMaskFromStored,
  referenceFromHex,
  type ReferenceColumn,
} from './request-log.codec.js';
import type { ApiCallRow, BlockedRow } from './request-log.repository.js';

/**
 * How the request logs' rows are read: the select lists, as array rows (db/array-rows.ts) with the
 * binary columns as hex text, and the rows they give in their shown form. Each select list and the
 * function reading its rows go together: the function takes the values by position.
 */

const REFERENCE_CACHE_MAX = 4096;

/**
 * referenceFromHex, remembered: the same keys, licences, customers and products come back row after row,
 * and looking one up costs less than decoding it and leaves no new string behind to collect.
 */
function referenceReader(column: ReferenceColumn) {
  const read = boundedMemo((hex: string) => referenceFromHex(column, hex), REFERENCE_CACHE_MAX);
  return (hex: string | null): string | null => (hex ? read(hex) : null);
}

const apiKeyId = referenceReader('api_key_id');
const licenseId = referenceReader('license_id');
const customerId = referenceReader('customer_id');
const productId = referenceReader('product_id');

export function apiCallSelection(tx: Executor) {
  return [
    hexOf(tx, 'api_call_log.id').as('id'),
    'api_call_log.path',
    'api_call_log.method',
    'api_call_log.status',
    'api_call_log.response_time_us',
    hexOf(tx, 'api_call_log.ip').as('ip'),
    'api_call_log.api_key',
    hexOf(tx, 'api_call_log.api_key_id').as('api_key_id'),
    'api_call_log.request_size',
    'api_call_log.response_size',
    'api_call_log.license_key',
    hexOf(tx, 'api_call_log.license_id').as('license_id'),
    hexOf(tx, 'api_call_log.customer_id').as('customer_id'),
    hexOf(tx, 'api_call_log.product_id').as('product_id'),
    'api_call_log.channel',
    'api_call_log.direction',
    'api_call_log.error_code',
    'api_call_log.error_message',
    'api_call_log.stack_trace',
    'api_call_log.validation_errors',
    'api_call_log.retry_count',
    'api_call_log.request_body',
    'api_call_log.request_body_truncated',
    'log_endpoints.value as endpoint',
    'log_user_agents.value as user_agent',
  ] as const;
}

/** One array row of apiCallSelection. */
export function apiCallRow(values: unknown[]): ApiCallRow {
  const v = values as never[];
  return {
    id: idFromHex('log', v[0]!),
    path: v[1]!,
    method: v[2]!,
    status: v[3]!,
    response_time_us: v[4]!,
    ip: ipFromHex(v[5]!),
    api_key: v[6]!,
    api_key_id: apiKeyId(v[7]!),
    request_size: v[8]!,
    response_size: v[9]!,
    license_key: licenseKeyMaskFromStored(v[10]!),
    license_id: licenseId(v[11]!),
    customer_id: customerId(v[12]!),
    product_id: productId(v[13]!),
    channel: v[14]!,
    direction: v[15]!,
    error_code: v[16]!,
    error_message: v[17]!,
    stack_trace: v[18]!,
    validation_errors: v[19]!,
    retry_count: v[20]!,
    request_body: v[21]!,
    request_body_truncated: v[22]!,
    endpoint: v[23]!,
    user_agent: v[24]!,
  };
}

export function blockedSelection(tx: Executor) {
  return [
    hexOf(tx, 'id').as('id'),
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
}

/** One array row of blockedSelection. */
export function blockedRow(values: unknown[]): BlockedRow {
  const v = values as never[];
  return {
    id: idFromHex('log', v[0]!),
    block_reason: v[1]!,
    rule_id: v[2]!,
    ip: v[3]!,
    method: v[4]!,
    path: v[5]!,
    api_key: v[6]!,
    user_agent: v[7]!,
    country_code: v[8]!,
    fingerprint: v[9]!,
    threat_score: v[10]!,
    matched_location: v[11]!,
  };
}
