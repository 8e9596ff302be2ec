import { PostgresAdapter, sql } from 'kysely';
import type { Db, Executor } from '../db/database.js';
import { createBulkInsert } from '../db/bulk-insert.js';
import type { ApiCallLogTable, BlockedLogTable } from '../db/schema.js';
import { MAX_BUCKET, PER_DOUBLING } from './analytics/latency.js';
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

/** What the analytics rollups count of an API call. */
export interface ApiCallRollupRow {
  id: Buffer;
  endpoint: string | null;
  method: number;
  status: number;
  response_time_us: number;
  error_code: string | null;
  channel: number;
}
export interface BlockedRollupRow {
  id: Buffer;
  block_reason: string;
  method: number;
}

/** A key range over the 16-byte ids: after (exclusive) or from (inclusive), up to before (exclusive). */
export interface IdRange {
  after?: Buffer;
  from?: Buffer;
  before: Buffer;
}

export type AnalyticsLog = 'api_calls' | 'failed_api_calls' | 'blocked';
/** High-cardinality fields counted per value; the licence key by its keyed hash, shown masked. */
export type ValueField = 'ip' | 'license_key' | 'user_agent';
export interface ValueCount {
  value: string;
  label: string | null;
  count: number;
}

/** The range as one parameterised condition on `id`: the primary key serves it on both stores. */
function idRange(range: IdRange) {
  const parts = [sql`id < ${range.before}`];
  if (range.after) parts.push(sql`id > ${range.after}`);
  if (range.from) parts.push(sql`id >= ${range.from}`);
  return sql<boolean>`${sql.join(parts, sql` and `)}`;
}

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

    /** Entries in id order for the analytics rollups: a primary-key range read, `limit` at most. */
    async apiCallsForRollup(range: IdRange, limit: number, tx: Executor = db): Promise<ApiCallRollupRow[]> {
      const q = tx
        .selectFrom('api_call_log')
        .select(['id', 'endpoint', 'method', 'status', 'response_time_us', 'error_code', 'channel']);
      return q.where(idRange(range)).orderBy('id').limit(limit).execute();
    },

    async blockedForRollup(range: IdRange, limit: number, tx: Executor = db): Promise<BlockedRollupRow[]> {
      const q = tx.selectFrom('blocked_log').select(['id', 'block_reason', 'method']);
      return q.where(idRange(range)).orderBy('id').limit(limit).execute();
    },

    /**
     * Calls and failures per endpoint and response-time bucket in an id range, summed by the store
     * (the same buckets as latencyBucket in analytics/latency.ts).
     */
    async latencyHistogram(range: IdRange, tx: Executor = db) {
      const postgres = tx.getExecutor().adapter instanceof PostgresAdapter;
      const log2 = postgres ? sql`log(2, response_time_us::numeric)` : sql`log2(response_time_us)`;
      const scaled = sql`floor(${log2} * ${sql.lit(PER_DOUBLING)})`;
      const bucket = postgres
        ? sql<number>`case when response_time_us < 1 then 0 else least(${sql.lit(MAX_BUCKET)}, ${scaled}::int) end`
        : sql<number>`case when response_time_us < 1 then 0 else min(${sql.lit(MAX_BUCKET)}, cast(${scaled} as integer)) end`;
      const rows = await tx
        .selectFrom('api_call_log')
        .select((eb) => [
          eb.fn.coalesce('endpoint', sql.lit('')).as('endpoint'),
          bucket.as('latency_bucket'),
          eb.fn.countAll<number>().as('count'),
          sql<number>`sum(case when status >= 400 then 1 else 0 end)`.as('failures'),
        ])
        .where(idRange(range))
        .groupBy([sql.ref('endpoint'), bucket])
        .execute();
      return rows.map((r) => ({
        endpoint: String(r.endpoint),
        latency_bucket: Number(r.latency_bucket),
        count: Number(r.count),
        failures: Number(r.failures),
      }));
    },

    /** The distinct values of a field in an id range (nulls left out). */
    async distinctValues(log: AnalyticsLog, field: 'ip' | 'user_agent', range: IdRange, tx: Executor = db) {
      const table = log === 'blocked' ? 'blocked_log' : 'api_call_log';
      let q = tx
        .selectFrom(table)
        .select(field)
        .distinct()
        .where(field, 'is not', null)
        .where(idRange(range));
      if (log === 'failed_api_calls') q = q.where(sql<boolean>`status >= 400`);
      return (await q.execute()).map((r) => r[field] as string);
    },

    /** Every value of a field in an id range with its count, most frequent first (nulls left out). */
    async countValues(
      log: AnalyticsLog,
      field: ValueField,
      range: IdRange,
      tx: Executor = db,
    ): Promise<ValueCount[]> {
      if (log === 'blocked') {
        if (field === 'license_key') return [];
        const q = tx
          .selectFrom('blocked_log')
          .select((eb) => [eb.ref(field).as('value'), eb.fn.countAll<number>().as('count')])
          .where(field, 'is not', null);
        const rows = await q.where(idRange(range)).groupBy(field).orderBy('count', 'desc').execute();
        return rows.map((r) => ({ value: r.value as string, label: null, count: Number(r.count) }));
      }
      const column = field === 'license_key' ? 'license_key_hash' : field;
      let q = tx
        .selectFrom('api_call_log')
        .select((eb) => [
          eb.ref(column).as('value'),
          // Every entry of one key hash carries the same masked key.
          eb.fn.max('license_key').as('label'),
          eb.fn.countAll<number>().as('count'),
        ])
        .where(column, 'is not', null);
      if (log === 'failed_api_calls') q = q.where('status', '>=', 400);
      const rows = await q.where(idRange(range)).groupBy(column).orderBy('count', 'desc').execute();
      return rows.map((r) => ({
        value: Buffer.isBuffer(r.value) ? r.value.toString('hex') : String(r.value),
        label: field === 'license_key' ? r.label : null,
        count: Number(r.count),
      }));
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
