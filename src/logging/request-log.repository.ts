import type { Db, Executor } from '../db/database.js';
import { createBulkInsert } from '../db/bulk-insert.js';
import type { ApiCallLogTable, BlockedLogTable } from '../db/schema.js';
import { idFromBytes, idToBytes } from './log-entry.js';

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

/** Rows as the service sees them: the id as the API shows it (`log_…`). */
export type ApiCallRow = Omit<ApiCallLogTable, 'id' | 'license_key_hash'> & { id: string };
export type BlockedRow = Omit<BlockedLogTable, 'id'> & { id: string };
export type ApiCallInsert = Omit<ApiCallLogTable, 'id'> & { id: string };

const insertApiCalls = createBulkInsert(
  'api_call_log',
  [...API_CALL_COLUMNS, 'license_key_hash'],
  ROWS_PER_STATEMENT,
);
const insertBlocked = createBulkInsert('blocked_log', BLOCKED_COLUMNS, ROWS_PER_STATEMENT);

export function createRequestLogRepository(db: Db) {
  return {
    /** Idempotent on the entry id: a batch replayed after a crash inserts only what is missing. */
    async insertBatch(apiCalls: ApiCallInsert[], blocked: BlockedRow[], tx: Executor = db): Promise<void> {
      // The rows are the writer's own, just parsed: converted in place rather than copied.
      for (const row of apiCalls) (row as unknown as ApiCallLogTable).id = idToBytes(row.id);
      for (const row of blocked) (row as unknown as BlockedLogTable).id = idToBytes(row.id);
      await insertApiCalls(apiCalls as unknown as ApiCallLogTable[], tx);
      await insertBlocked(blocked as unknown as BlockedLogTable[], tx);
    },

    async listApiCalls(query: LogListQuery, tx: Executor = db): Promise<ApiCallRow[]> {
      // A key id names the key, whose masked form never changes and whose row is never deleted: the
      // masked form is stored only for keys that did not authenticate.
      let q = tx
        .selectFrom('api_call_log')
        .leftJoin('api_keys', 'api_keys.id', 'api_call_log.api_key_id')
        .select(API_CALL_COLUMNS.filter((c) => c !== 'api_key').map((c) => `api_call_log.${c}` as const))
        .select((eb) => eb.fn.coalesce('api_call_log.api_key', 'api_keys.masked').as('api_key'));
      if (query.before) q = q.where('api_call_log.id', '<', idToBytes(query.before));
      if (query.fromId) q = q.where('api_call_log.id', '>=', idToBytes(query.fromId));
      if (query.toId) q = q.where('api_call_log.id', '<=', idToBytes(query.toId));
      if (query.failedOnly) q = q.where('api_call_log.status', '>=', 400);
      const rows = await q
        .orderBy('api_call_log.id', 'desc')
        .limit(query.limit + 1)
        .execute();
      return rows.map((row) => ({ ...row, id: idFromBytes('log', row.id) }));
    },

    async listBlocked(query: LogListQuery, tx: Executor = db): Promise<BlockedRow[]> {
      let q = tx.selectFrom('blocked_log').select(BLOCKED_COLUMNS);
      if (query.before) q = q.where('id', '<', idToBytes(query.before));
      if (query.fromId) q = q.where('id', '>=', idToBytes(query.fromId));
      if (query.toId) q = q.where('id', '<=', idToBytes(query.toId));
      const rows = await q
        .orderBy('id', 'desc')
        .limit(query.limit + 1)
        .execute();
      return rows.map((row) => ({ ...row, id: idFromBytes('log', row.id) }));
    },
  };
}

export type RequestLogRepository = ReturnType<typeof createRequestLogRepository>;
