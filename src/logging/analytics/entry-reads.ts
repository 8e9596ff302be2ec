import { PostgresAdapter, sql } from 'kysely';
import type { Db, Executor } from '../../db/database.js';
import { dictionaryTexts } from '../log-dictionary.js';
import { ipFromStored, licenseKeyMaskFromStored } from '../request-log.codec.js';
import { MAX_BUCKET, PER_DOUBLING } from './latency.js';

/**
 * The request-log reads of the analytics: primary-key ranges of entries. API-call rows are compact
 * (ADR 0003, "Compact rows"): they are grouped by their stored codes and bytes, and only the answer is
 * decoded to text, through the codec and the dictionaries.
 */

/** What the analytics rollups count of an API call; `endpoint_id` is the `log_endpoints` code. */
export interface ApiCallRollupRow {
  id: Buffer;
  endpoint_id: number | null;
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

const API_CALL_COLUMN = { ip: 'ip', user_agent: 'user_agent_id', license_key: 'license_key_hash' } as const;

/** A stored API-call value as the answer shows it (the licence-key hash stays its hex digest). */
async function shownValues(
  field: ValueField,
  stored: readonly unknown[],
  tx: Executor,
): Promise<(string | null)[]> {
  if (field === 'ip') return stored.map((v) => ipFromStored(v as Uint8Array));
  if (field === 'license_key') return stored.map((v) => Buffer.from(v as Uint8Array).toString('hex'));
  const texts = await dictionaryTexts(tx, 'log_user_agents', stored as number[]);
  return stored.map((code) => texts.get(code as number) ?? null);
}

export function createEntryReads(db: Db) {
  return {
    /** Entries in id order for the analytics rollups: a primary-key range read, `limit` at most. */
    async apiCallsForRollup(range: IdRange, limit: number, tx: Executor = db): Promise<ApiCallRollupRow[]> {
      const q = tx
        .selectFrom('api_call_log')
        .select(['id', 'endpoint_id', 'method', 'status', 'response_time_us', 'error_code', 'channel']);
      return q.where(idRange(range)).orderBy('id').limit(limit).execute();
    },

    async blockedForRollup(range: IdRange, limit: number, tx: Executor = db): Promise<BlockedRollupRow[]> {
      const q = tx.selectFrom('blocked_log').select(['id', 'block_reason', 'method']);
      return q.where(idRange(range)).orderBy('id').limit(limit).execute();
    },

    /**
     * Calls and failures per endpoint code (0: none) and response-time bucket in an id range, summed by
     * the store (the same buckets as latencyBucket in latency.ts).
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
          eb.fn.coalesce('endpoint_id', sql.lit(0)).as('endpoint_id'),
          bucket.as('latency_bucket'),
          eb.fn.countAll<number>().as('count'),
          sql<number>`sum(case when status >= 400 then 1 else 0 end)`.as('failures'),
        ])
        .where(idRange(range))
        .groupBy([sql.ref('endpoint_id'), bucket])
        .execute();
      return rows.map((r) => ({
        endpoint_id: Number(r.endpoint_id),
        latency_bucket: Number(r.latency_bucket),
        count: Number(r.count),
        failures: Number(r.failures),
      }));
    },

    /** The distinct values of a field in an id range (nulls left out), decoded. */
    async distinctValues(log: AnalyticsLog, field: 'ip' | 'user_agent', range: IdRange, tx: Executor = db) {
      if (log === 'blocked') {
        const q = tx.selectFrom('blocked_log').select(field).distinct().where(field, 'is not', null);
        return (await q.where(idRange(range)).execute()).map((r) => r[field] as string);
      }
      const column = API_CALL_COLUMN[field];
      let q = tx
        .selectFrom('api_call_log')
        .select(column)
        .distinct()
        .where(column, 'is not', null)
        .where(idRange(range));
      if (log === 'failed_api_calls') q = q.where(sql<boolean>`status >= 400`);
      const stored = (await q.execute()).map((r) => r[column]);
      return (await shownValues(field, stored, tx)).filter((v): v is string => v !== null);
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
      const column = API_CALL_COLUMN[field];
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
      const shown = await shownValues(
        field,
        rows.map((r) => r.value),
        tx,
      );
      return rows.map((r, i) => ({
        value: shown[i] ?? '',
        label: field === 'license_key' ? licenseKeyMaskFromStored(r.label) : null,
        count: Number(r.count),
      }));
    },
  };
}
