import { sql, type ExpressionBuilder } from 'kysely';
import type { Db, Executor } from '../db/database.js';
import { createBulkInsert } from '../db/bulk-insert.js';
import type { ApiCallLogTable, BlockedLogTable } from '../db/schema.js';
import type { IpRange } from './ip-filter.js';
import { idFromBytes, idToBytes } from './log-entry.js';
import { storedIp } from './request-log-columns.js';

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

/** A search, every value already as its column stores it (request-log-columns.ts); all bound. */
export interface RequestLogSearch {
  limit: number;
  /** Exclusive upper bound on the id (the cursor), then the inclusive id range of the time filters. */
  before?: Buffer;
  fromId?: Buffer;
  toId?: Buffer;
  method?: number;
  ip?: IpRange;
  /** Lower-case text, matched as a substring of the log's text columns. */
  text?: string;
}

export interface ApiCallSearch extends RequestLogSearch {
  /** Failures only (`status >= 400`): the failed-call log, or a status filter of 400 and above. */
  failedOnly?: boolean;
  /** Inclusive. */
  status?: { low: number; high: number };
  endpoint?: string;
  /** Calls that presented one of these licence keys; an empty list matches nothing. */
  licenseKeyHashes?: Buffer[];
  api_key_id?: string;
  product_id?: string;
  channel?: number;
  error_code?: string;
}

export interface BlockedSearch extends RequestLogSearch {
  block_reason?: string;
  rule_id?: string;
  country_code?: string;
  min_threat_score?: number;
}

/** Rows as the service sees them: the id as the API shows it (`log_…`). */
export type ApiCallRow = Omit<ApiCallLogTable, 'id' | 'license_key_hash' | 'ip_bytes'> & { id: string };
export type BlockedRow = Omit<BlockedLogTable, 'id' | 'ip_bytes'> & { id: string };
type ApiCallRowBytes = Omit<ApiCallRow, 'id'> & { id: Buffer };
export type ApiCallInsert = Omit<ApiCallLogTable, 'id' | 'ip_bytes'> & { id: string };

const insertApiCalls = createBulkInsert(
  'api_call_log',
  [...API_CALL_COLUMNS, 'license_key_hash', 'ip_bytes'],
  ROWS_PER_STATEMENT,
);
const insertBlocked = createBulkInsert('blocked_log', [...BLOCKED_COLUMNS, 'ip_bytes'], ROWS_PER_STATEMENT);

// SQLite allows 500 terms in a compound select; a customer's licences are searched 100 at a time.
const KEYS_PER_STATEMENT = 100;

/** `%`, `_` and the escape character itself match literally. */
function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Any of the columns contains the text, case-insensitively (no index serves this: other filters bound it). */
function textMatch<DB, TB extends keyof DB>(eb: ExpressionBuilder<DB, TB>, columns: string[], text: string) {
  const pattern = likePattern(text);
  return eb.or(
    columns.map(
      (column) => sql<boolean>`lower(coalesce(${sql.ref(column)}, '')) like ${pattern} escape '\\'`,
    ),
  );
}

/** One address is an equality, so its index is read in id order; a CIDR range is a range. */
function inRange(column: string, range: IpRange) {
  const ref = sql.ref(column);
  return range.low.equals(range.high)
    ? sql<boolean>`${ref} = ${range.low}`
    : sql<boolean>`${ref} >= ${range.low} and ${ref} <= ${range.high}`;
}

const newestFirst = (a: { id: Buffer }, b: { id: Buffer }) => Buffer.compare(b.id, a.id);

/**
 * A key id names the key, whose masked form never changes and whose row is never deleted: the masked
 * form is stored only for keys that did not authenticate, and looked up for a page's other entries
 * (a second small query rather than a join, so the join never steers the search's plan).
 */
async function maskedKeys(rows: { api_key_id: string | null }[], tx: Executor): Promise<Map<string, string>> {
  const ids = [...new Set(rows.flatMap((row) => (row.api_key_id === null ? [] : [row.api_key_id])))];
  if (ids.length === 0) return new Map();
  const keys = await tx.selectFrom('api_keys').select(['id', 'masked']).where('id', 'in', ids).execute();
  return new Map(keys.map((key) => [key.id, key.masked]));
}

export function createRequestLogRepository(db: Db) {
  /** One search as a query, unexecuted (the plan test explains it), for at most one licence key. */
  function apiCallsQuery(search: ApiCallSearch, licenseKeyHash: Buffer | undefined, tx: Executor = db) {
    let q = tx.selectFrom('api_call_log').select(API_CALL_COLUMNS.map((c) => `api_call_log.${c}` as const));
    if (search.before) q = q.where('api_call_log.id', '<', search.before);
    if (search.fromId) q = q.where('api_call_log.id', '>=', search.fromId);
    if (search.toId) q = q.where('api_call_log.id', '<=', search.toId);
    // A literal, not a parameter: both stores then match it to the failures-only indexes.
    if (search.failedOnly) q = q.where(sql<boolean>`${sql.ref('api_call_log.status')} >= 400`);
    if (search.status) {
      const { low, high } = search.status;
      q =
        low === high
          ? q.where('api_call_log.status', '=', low)
          : q.where('api_call_log.status', '>=', low).where('api_call_log.status', '<=', high);
    }
    if (search.endpoint !== undefined) q = q.where('api_call_log.endpoint', '=', search.endpoint);
    if (search.method !== undefined) q = q.where('api_call_log.method', '=', search.method);
    if (licenseKeyHash) q = q.where('api_call_log.license_key_hash', '=', licenseKeyHash);
    if (search.api_key_id !== undefined) q = q.where('api_call_log.api_key_id', '=', search.api_key_id);
    if (search.product_id !== undefined) q = q.where('api_call_log.product_id', '=', search.product_id);
    if (search.channel !== undefined) q = q.where('api_call_log.channel', '=', search.channel);
    if (search.error_code !== undefined) q = q.where('api_call_log.error_code', '=', search.error_code);
    if (search.ip) q = q.where(inRange('api_call_log.ip_bytes', search.ip));
    if (search.text !== undefined) {
      const columns = ['endpoint', 'path', 'user_agent', 'error_code', 'error_message'];
      q = q.where((eb) =>
        textMatch(
          eb,
          columns.map((c) => `api_call_log.${c}`),
          search.text!,
        ),
      );
    }
    return q.orderBy('api_call_log.id', 'desc').limit(search.limit + 1);
  }

  /** Several keys' pages side by side (`union all`), merged newest first: a customer's licences. */
  function apiCallsOfKeysQuery(search: ApiCallSearch, hashes: Buffer[], tx: Executor = db) {
    const arms = hashes.map((hash) => tx.selectFrom(apiCallsQuery(search, hash, tx).as('arm')).selectAll());
    const union = arms.slice(1).reduce((all, arm) => all.unionAll(arm), arms[0]!);
    return tx
      .selectFrom(union.as('arms'))
      .selectAll()
      .orderBy('id', 'desc')
      .limit(search.limit + 1);
  }

  function blockedQuery(search: BlockedSearch, tx: Executor = db) {
    let q = tx.selectFrom('blocked_log').select(BLOCKED_COLUMNS);
    if (search.before) q = q.where('id', '<', search.before);
    if (search.fromId) q = q.where('id', '>=', search.fromId);
    if (search.toId) q = q.where('id', '<=', search.toId);
    if (search.block_reason !== undefined) q = q.where('block_reason', '=', search.block_reason);
    if (search.rule_id !== undefined) q = q.where('rule_id', '=', search.rule_id);
    if (search.ip) q = q.where(inRange('ip_bytes', search.ip));
    if (search.country_code !== undefined) q = q.where('country_code', '=', search.country_code);
    if (search.method !== undefined) q = q.where('method', '=', search.method);
    if (search.min_threat_score !== undefined) q = q.where('threat_score', '>=', search.min_threat_score);
    if (search.text !== undefined) {
      const columns = ['path', 'user_agent', 'rule_id', 'matched_location', 'fingerprint'];
      q = q.where((eb) => textMatch(eb, columns, search.text!));
    }
    return q.orderBy('id', 'desc').limit(search.limit + 1);
  }

  return {
    /** Idempotent on the entry id: a batch replayed after a crash inserts only what is missing. */
    async insertBatch(apiCalls: ApiCallInsert[], blocked: BlockedRow[], tx: Executor = db): Promise<void> {
      // The rows are the writer's own, just parsed: converted in place rather than copied.
      for (const row of apiCalls) {
        (row as unknown as ApiCallLogTable).id = idToBytes(row.id);
        (row as unknown as ApiCallLogTable).ip_bytes = storedIp(row.ip);
      }
      for (const row of blocked) {
        (row as unknown as BlockedLogTable).id = idToBytes(row.id);
        (row as unknown as BlockedLogTable).ip_bytes = storedIp(row.ip);
      }
      await insertApiCalls(apiCalls as unknown as ApiCallLogTable[], tx);
      await insertBlocked(blocked as unknown as BlockedLogTable[], tx);
    },

    // The searches as queries, unexecuted: the plan test explains them on both stores.
    apiCallsQuery,
    apiCallsOfKeysQuery,
    blockedQuery,

    /** Newest first, limit + 1 rows (the extra one tells the caller another page exists). */
    async searchApiCalls(search: ApiCallSearch, tx: Executor = db): Promise<ApiCallRow[]> {
      const hashes = search.licenseKeyHashes;
      let rows: ApiCallRowBytes[];
      if (hashes === undefined || hashes.length <= 1) {
        if (hashes?.length === 0) return [];
        rows = await apiCallsQuery(search, hashes?.[0], tx).execute();
      } else {
        // One index range read per key, each at most a page long, merged: never a sort of a whole history.
        rows = [];
        for (let i = 0; i < hashes.length; i += KEYS_PER_STATEMENT) {
          const chunk = await apiCallsOfKeysQuery(
            search,
            hashes.slice(i, i + KEYS_PER_STATEMENT),
            tx,
          ).execute();
          rows = [...rows, ...chunk].sort(newestFirst).slice(0, search.limit + 1);
        }
      }
      const masked = await maskedKeys(rows, tx);
      return rows.map((row) => ({
        ...row,
        id: idFromBytes('log', row.id),
        api_key: row.api_key ?? (row.api_key_id === null ? null : (masked.get(row.api_key_id) ?? null)),
      }));
    },

    async searchBlocked(search: BlockedSearch, tx: Executor = db): Promise<BlockedRow[]> {
      const rows = await blockedQuery(search, tx).execute();
      return rows.map((row) => ({ ...row, id: idFromBytes('log', row.id) }));
    },
  };
}

export type RequestLogRepository = ReturnType<typeof createRequestLogRepository>;
