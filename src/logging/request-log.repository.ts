import { arrayRows } from '../db/array-rows.js';
import type { Db, Executor } from '../db/database.js';
import { createBulkInsert } from '../db/bulk-insert.js';
import type { ApiCallLogTable, BlockedLogTable } from '../db/schema.js';
import { createDictionary } from './log-dictionary.js';
import type { ApiCallRecord } from './log-entry.js';
import {
  idToBytes,
  storedIp,
  storedLicenseKeyMask,
  storedReference,
  type ReferenceColumn,
} from './request-log.codec.js';
import { apiCallRow, apiCallSelection, blockedRow, blockedSelection } from './request-log.rows.js';

// Well under SQLite's 32,766 bound variables and PostgreSQL's 65,535 per statement.
const ROWS_PER_STATEMENT = 500;

/** Stored columns in insert order; `endpoint_id` and `user_agent_id` are dictionary codes. */
const API_CALL_COLUMNS = [
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

const BLOCKED_COLUMNS = [
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

export interface LogListQuery {
  limit: number;
  /** Exclusive upper bound on the id (cursor), then inclusive id range from the time filters. */
  before?: string;
  fromId?: string;
  toId?: string;
  failedOnly?: boolean;
}

/** Rows as the service sees them: every value in its shown form, the id as the API shows it (`log_…`). */
export type ApiCallRow = Omit<ApiCallRecord, 'license_key_hash'>;
export type BlockedRow = Omit<BlockedLogTable, 'id'> & { id: string };
/** A journaled entry as the writer inserts it: the licence-key hash as bytes. */
export type ApiCallInsert = Omit<ApiCallRecord, 'license_key_hash'> & { license_key_hash: Buffer | null };

const insertApiCalls = createBulkInsert('api_call_log', API_CALL_COLUMNS, ROWS_PER_STATEMENT);
const insertBlocked = createBulkInsert('blocked_log', BLOCKED_COLUMNS, ROWS_PER_STATEMENT);

const REFERENCE_CACHE_MAX = 4096;

/**
 * storedReference, remembered: the same keys, licences, customers and products come back entry after
 * entry, and looking one up costs a fraction of decoding its ULID. The buffers are only ever read.
 */
function referenceEncoder(column: ReferenceColumn) {
  const cache = new Map<string, Buffer | null>();
  return (id: string | null): Buffer | null => {
    if (id === null) return null;
    let stored = cache.get(id);
    if (stored === undefined) {
      stored = storedReference(column, id);
      if (cache.size >= REFERENCE_CACHE_MAX) cache.clear();
      cache.set(id, stored);
    }
    return stored;
  };
}

const storedApiKeyId = referenceEncoder('api_key_id');
const storedLicenseId = referenceEncoder('license_id');
const storedCustomerId = referenceEncoder('customer_id');
const storedProductId = referenceEncoder('product_id');

function storedRow(
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

/**
 * A key id names the key, whose masked form never changes and whose row is never deleted: the masked
 * form is stored only for keys that did not authenticate, and read from the key for the others.
 */
async function withMaskedKeys(rows: ApiCallRow[], tx: Executor): Promise<ApiCallRow[]> {
  const ids = new Set<string>();
  for (const row of rows) if (row.api_key === null && row.api_key_id !== null) ids.add(row.api_key_id);
  if (ids.size === 0) return rows;
  const keys = await tx
    .selectFrom('api_keys')
    .select(['id', 'masked'])
    .where('id', 'in', [...ids])
    .execute();
  const masked = new Map(keys.map((key) => [key.id, key.masked]));
  for (const row of rows) {
    if (row.api_key === null && row.api_key_id !== null) row.api_key = masked.get(row.api_key_id) ?? null;
  }
  return rows;
}

export function createRequestLogRepository(db: Db) {
  const endpoints = createDictionary('log_endpoints');
  const userAgents = createDictionary('log_user_agents');

  return {
    /** Idempotent on the entry id: a batch replayed after a crash inserts only what is missing. */
    async insertBatch(apiCalls: ApiCallInsert[], blocked: BlockedRow[], tx: Executor = db): Promise<void> {
      const endpointIds: (number | null)[] = [];
      const userAgentIds: (number | null)[] = [];
      await endpoints.encode(
        tx,
        apiCalls.map((row) => row.endpoint),
        endpointIds,
      );
      await userAgents.encode(
        tx,
        apiCalls.map((row) => row.user_agent),
        userAgentIds,
      );
      const rows = apiCalls.map((row, i) => storedRow(row, endpointIds[i]!, userAgentIds[i]!));
      // The blocked rows are the writer's own, just parsed: converted in place rather than copied.
      for (const row of blocked) (row as unknown as BlockedLogTable).id = idToBytes(row.id);
      await insertApiCalls(rows, tx);
      await insertBlocked(blocked as unknown as BlockedLogTable[], tx);
    },

    async listApiCalls(query: LogListQuery, tx: Executor = db): Promise<ApiCallRow[]> {
      let q = tx
        .selectFrom('api_call_log')
        .leftJoin('log_endpoints', 'log_endpoints.id', 'api_call_log.endpoint_id')
        .leftJoin('log_user_agents', 'log_user_agents.id', 'api_call_log.user_agent_id')
        .select(apiCallSelection(tx));
      if (query.before) q = q.where('api_call_log.id', '<', idToBytes(query.before));
      if (query.fromId) q = q.where('api_call_log.id', '>=', idToBytes(query.fromId));
      if (query.toId) q = q.where('api_call_log.id', '<=', idToBytes(query.toId));
      if (query.failedOnly) q = q.where('api_call_log.status', '>=', 400);
      const rows = await arrayRows(tx, q.orderBy('api_call_log.id', 'desc').limit(query.limit + 1));
      return withMaskedKeys(rows.map(apiCallRow), tx);
    },

    async listBlocked(query: LogListQuery, tx: Executor = db): Promise<BlockedRow[]> {
      let q = tx.selectFrom('blocked_log').select(blockedSelection(tx));
      if (query.before) q = q.where('id', '<', idToBytes(query.before));
      if (query.fromId) q = q.where('id', '>=', idToBytes(query.fromId));
      if (query.toId) q = q.where('id', '<=', idToBytes(query.toId));
      const rows = await arrayRows(tx, q.orderBy('id', 'desc').limit(query.limit + 1));
      return rows.map(blockedRow);
    },
  };
}

export type RequestLogRepository = ReturnType<typeof createRequestLogRepository>;
