import type { Db, Executor } from '../db/database.js';
import { createBulkInsert } from '../db/bulk-insert.js';
import type { ApiCallLogTable, BlockedLogTable } from '../db/schema.js';

// Well under SQLite's 32,766 bound variables and PostgreSQL's 65,535 per statement.
const ROWS_PER_STATEMENT = 500;

const API_CALL_COLUMNS = [
  'id',
  'endpoint',
  'path',
  'method',
  'status',
  'response_time_us',
  'ip',
  'api_key',
  'api_key_id',
  'request_size',
  'response_size',
  'user_agent',
  'license_key',
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

export type ApiCallRow = Omit<ApiCallLogTable, 'license_key_hash'>;

const insertApiCalls = createBulkInsert(
  'api_call_log',
  [...API_CALL_COLUMNS, 'license_key_hash'],
  ROWS_PER_STATEMENT,
);
const insertBlocked = createBulkInsert('blocked_log', BLOCKED_COLUMNS, ROWS_PER_STATEMENT);

export function createRequestLogRepository(db: Db) {
  return {
    /** Idempotent on the entry id: a batch replayed after a crash inserts only what is missing. */
    async insertBatch(
      apiCalls: ApiCallLogTable[],
      blocked: BlockedLogTable[],
      tx: Executor = db,
    ): Promise<void> {
      await insertApiCalls(apiCalls, tx);
      await insertBlocked(blocked, tx);
    },

    async listApiCalls(query: LogListQuery, tx: Executor = db): Promise<ApiCallRow[]> {
      let q = tx.selectFrom('api_call_log').select(API_CALL_COLUMNS);
      if (query.before) q = q.where('id', '<', query.before);
      if (query.fromId) q = q.where('id', '>=', query.fromId);
      if (query.toId) q = q.where('id', '<=', query.toId);
      if (query.failedOnly) q = q.where('status', '>=', 400);
      return q
        .orderBy('id', 'desc')
        .limit(query.limit + 1)
        .execute();
    },

    async listBlocked(query: LogListQuery, tx: Executor = db): Promise<BlockedLogTable[]> {
      let q = tx.selectFrom('blocked_log').select(BLOCKED_COLUMNS);
      if (query.before) q = q.where('id', '<', query.before);
      if (query.fromId) q = q.where('id', '>=', query.fromId);
      if (query.toId) q = q.where('id', '<=', query.toId);
      return q
        .orderBy('id', 'desc')
        .limit(query.limit + 1)
        .execute();
    },
  };
}

export type RequestLogRepository = ReturnType<typeof createRequestLogRepository>;
