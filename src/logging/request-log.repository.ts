import { sql, type ExpressionBuilder } from 'kysely';
import { arrayRows } from '../db/array-rows.js';
import { columnText, containsPattern, matchesPattern } from '../db/contains-text.js';
import type { Db, Executor } from '../db/database.js';
import { createBulkInsert } from '../db/bulk-insert.js';
import type { Database } from '../db/schema.js';
import { createEntryReads } from './analytics/entry-reads.js';
import { markLateEntries } from './analytics/late-entries.js';
import { createDictionary } from './log-dictionary.js';
import type { StoredIpRange } from './request-log-columns.js';
import {
  API_CALL_COLUMNS,
  BLOCKED_COLUMNS,
  storedApiCallRow,
  storedBlockedRows,
  type ApiCallInsert,
  type ApiCallRow,
  type BlockedRow,
} from './request-log-rows.js';
import { apiCallRow, apiCallSelection, blockedRow, blockedSelection } from './request-log-reads.js';

export type { ApiCallInsert, ApiCallRow, BlockedRow } from './request-log-rows.js';

// Well under SQLite's 32,766 bound variables and PostgreSQL's 65,535 per statement.
const ROWS_PER_STATEMENT = 500;

/** A search, every value already as its column stores it (request-log-columns.ts); all bound. */
export interface RequestLogSearch {
  limit: number;
  /** Exclusive upper bound on the id (the cursor), then the inclusive id range of the time filters. */
  before?: Buffer;
  fromId?: Buffer;
  toId?: Buffer;
  method?: number;
  ip?: StoredIpRange;
  /** Lower-case text, matched as a substring of the log's text columns. */
  text?: string;
}

export interface ApiCallSearch extends RequestLogSearch {
  /** Failures only (`status >= 400`): the failed-call log, or a status filter of 400 and above. */
  failedOnly?: boolean;
  /** Inclusive. */
  status?: { low: number; high: number };
  /** The route pattern's dictionary code; null (a pattern never logged) matches nothing. */
  endpoint?: number | null;
  /** Calls that presented one of these licence keys; an empty list matches nothing. */
  licenseKeyHashes?: Buffer[];
  api_key_id?: Buffer;
  product_id?: Buffer;
  channel?: number;
  error_code?: string;
}

export interface BlockedSearch extends RequestLogSearch {
  block_reason?: string;
  rule_id?: string;
  country_code?: string;
  min_threat_score?: number;
}

// Most entries leave most columns null (no error, no body): those are not bound (see createBulkInsert).
const LEAVE_NULLS = { omitNullColumns: true };
const insertApiCalls = createBulkInsert('api_call_log', API_CALL_COLUMNS, ROWS_PER_STATEMENT, LEAVE_NULLS);
const insertBlocked = createBulkInsert(
  'blocked_log',
  [...BLOCKED_COLUMNS, 'ip_bytes'],
  ROWS_PER_STATEMENT,
  LEAVE_NULLS,
);
// With log integrity on, each row carries its place in its chain (integrity/request-log-chain.ts).
const CHAIN_COLUMNS = ['chain_seq', 'chain_hash'] as const;
const insertChainedApiCalls = createBulkInsert(
  'api_call_log',
  [...API_CALL_COLUMNS, ...CHAIN_COLUMNS],
  ROWS_PER_STATEMENT,
  LEAVE_NULLS,
);
const insertChainedBlocked = createBulkInsert(
  'blocked_log',
  [...BLOCKED_COLUMNS, 'ip_bytes', ...CHAIN_COLUMNS],
  ROWS_PER_STATEMENT,
  LEAVE_NULLS,
);

// SQLite allows 500 terms in a compound select; a customer's licences are searched 100 at a time.
const KEYS_PER_STATEMENT = 100;

const contains = (column: string, pattern: string) => matchesPattern(columnText(column), pattern);

/** Any of the columns contains the text, case-insensitively (no index serves this: other filters bound it). */
function textMatch<DB, TB extends keyof DB>(eb: ExpressionBuilder<DB, TB>, columns: string[], text: string) {
  return eb.or(columns.map((column) => contains(column, containsPattern(text))));
}

/**
 * The API-call log's text: its own columns, and the route pattern and user agent through their
 * dictionaries (the codes of the matching texts, read once per search, not once per row).
 */
function apiCallTextMatch(eb: ExpressionBuilder<Database, 'api_call_log'>, text: string) {
  const pattern = containsPattern(text);
  const codesOf = (table: 'log_endpoints' | 'log_user_agents') =>
    eb
      .selectFrom(table)
      .select(`${table}.id`)
      .where(contains(`${table}.value`, pattern));
  return eb.or([
    eb('api_call_log.endpoint_id', 'in', codesOf('log_endpoints')),
    eb('api_call_log.user_agent_id', 'in', codesOf('log_user_agents')),
    ...['path', 'error_code', 'error_message'].map((column) => contains(`api_call_log.${column}`, pattern)),
  ]);
}

/**
 * One address is an equality, so its index is read in id order; a CIDR block is a range of addresses
 * of its length only (a 16-byte address that starts like a 4-byte bound sorts between the bounds).
 */
function inRange(column: string, range: StoredIpRange) {
  const ref = sql.ref(column);
  return range.low.equals(range.high)
    ? sql<boolean>`${ref} = ${range.low}`
    : sql<boolean>`${ref} >= ${range.low} and ${ref} <= ${range.high} and length(${ref}) = ${range.low.length}`;
}

/** Array rows by their id (hex text of one case and length, so text order is id order), newest first. */
const newestFirst = (a: unknown[], b: unknown[]) => ((a[0] as string) < (b[0] as string) ? 1 : -1);

/**
 * A key id names the key, whose masked form never changes and whose row is never deleted: the masked
 * form is stored only for keys that did not authenticate, and looked up for a page's other entries
 * (a second small query rather than a join, so the join never steers the search's plan).
 */
export async function withMaskedKeys(rows: ApiCallRow[], tx: Executor): Promise<ApiCallRow[]> {
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

  /** One search as a query, unexecuted (the plan test explains it), for at most one licence key. */
  function apiCallsQuery(search: ApiCallSearch, licenseKeyHash: Buffer | undefined, tx: Executor = db) {
    let q = tx
      .selectFrom('api_call_log')
      .leftJoin('log_endpoints', 'log_endpoints.id', 'api_call_log.endpoint_id')
      .leftJoin('log_user_agents', 'log_user_agents.id', 'api_call_log.user_agent_id')
      .select(apiCallSelection(tx));
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
    if (search.endpoint != null) q = q.where('api_call_log.endpoint_id', '=', search.endpoint);
    if (search.method !== undefined) q = q.where('api_call_log.method', '=', search.method);
    if (licenseKeyHash) q = q.where('api_call_log.license_key_hash', '=', licenseKeyHash);
    if (search.api_key_id !== undefined) q = q.where('api_call_log.api_key_id', '=', search.api_key_id);
    if (search.product_id !== undefined) q = q.where('api_call_log.product_id', '=', search.product_id);
    if (search.channel !== undefined) q = q.where('api_call_log.channel', '=', search.channel);
    if (search.error_code !== undefined) q = q.where('api_call_log.error_code', '=', search.error_code);
    if (search.ip) q = q.where(inRange('api_call_log.ip', search.ip));
    if (search.text !== undefined) q = q.where((eb) => apiCallTextMatch(eb, search.text!));
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
    let q = tx.selectFrom('blocked_log').select(blockedSelection(tx));
    if (search.before) q = q.where('blocked_log.id', '<', search.before);
    if (search.fromId) q = q.where('blocked_log.id', '>=', search.fromId);
    if (search.toId) q = q.where('blocked_log.id', '<=', search.toId);
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
    // Qualified: the select list's `id` is the hex text, and an order by that would be a sort.
    return q.orderBy('blocked_log.id', 'desc').limit(search.limit + 1);
  }

  /** Array rows of apiCallSelection (request-log-reads.ts). */
  async function storedApiCalls(search: ApiCallSearch, tx: Executor): Promise<unknown[][]> {
    const hashes = search.licenseKeyHashes;
    if (search.endpoint === null || hashes?.length === 0) return [];
    if (hashes === undefined || hashes.length === 1)
      return arrayRows(tx, apiCallsQuery(search, hashes?.[0], tx));
    // One index range read per key, each at most a page long, merged: never a sort of a whole history.
    let rows: unknown[][] = [];
    for (let i = 0; i < hashes.length; i += KEYS_PER_STATEMENT) {
      const chunk = await arrayRows(
        tx,
        apiCallsOfKeysQuery(search, hashes.slice(i, i + KEYS_PER_STATEMENT), tx),
      );
      rows = [...rows, ...chunk].sort(newestFirst).slice(0, search.limit + 1);
    }
    return rows;
  }

  return {
    ...createEntryReads(db),

    /**
     * Idempotent on the entry id: a batch replayed after a crash inserts only what is missing. The one
     * pass that gives each value its stored form (request-log-rows.ts); the entries stored below the
     * analytics fold's watermark mark their buckets for a refold in the same transaction.
     */
    async insertBatch(
      apiCalls: ApiCallInsert[],
      blocked: BlockedRow[],
      tx: Executor = db,
      chained = false,
    ): Promise<void> {
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
      const rows = apiCalls.map((row, i) => storedApiCallRow(row, endpointIds[i]!, userAgentIds[i]!));
      await (chained ? insertChainedApiCalls : insertApiCalls)(rows, tx);
      const blockedRows = storedBlockedRows(blocked);
      await (chained ? insertChainedBlocked : insertBlocked)(blockedRows, tx);
      await markLateEntries(
        tx,
        'api_calls',
        rows.map((row) => row.id),
      );
      await markLateEntries(
        tx,
        'blocked',
        blockedRows.map((row) => row.id),
      );
    },

    // The searches as queries, unexecuted: the plan test explains them on both stores.
    apiCallsQuery,
    apiCallsOfKeysQuery,
    blockedQuery,

    /** Newest first, limit + 1 rows (the extra one tells the caller another page exists). */
    async searchApiCalls(search: ApiCallSearch, tx: Executor = db): Promise<ApiCallRow[]> {
      const rows = await storedApiCalls(search, tx);
      return withMaskedKeys(rows.map(apiCallRow), tx);
    },

    async searchBlocked(search: BlockedSearch, tx: Executor = db): Promise<BlockedRow[]> {
      const rows = await arrayRows(tx, blockedQuery(search, tx));
      return rows.map(blockedRow);
    },
  };
}

export type RequestLogRepository = ReturnType<typeof createRequestLogRepository>;
