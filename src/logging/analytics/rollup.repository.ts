import { sql, type SelectQueryBuilder } from 'kysely';
import { createBulkUpsert } from '../../db/bulk-upsert.js';
import type { Db, Dialect, Executor } from '../../db/database.js';
import type { AnalyticsLog, ValueField } from './entry-reads.js';
import type { RollupPiece } from './time-buckets.js';

// Nine columns at most: far under either store's bound on parameters per statement.
const ROWS_PER_STATEMENT = 500;

export type RolledLog = 'api_calls' | 'blocked';

/** Filters the rollups can answer: each is a column of the rollup rows. */
export interface ApiCallFilter {
  /** A `log_endpoints` code; -1 (no code) matches nothing. */
  endpointId?: number;
  method?: number;
  status?: number;
  minStatus?: number;
  maxStatus?: number;
  errorCode?: string;
  channel?: number;
}
export interface BlockedFilter {
  blockReason?: string;
  method?: number;
}

export type ApiCallGroup = 'bucket' | 'endpoint_id' | 'status' | 'error_code';
export type BlockedGroup = 'bucket' | 'block_reason';

/** A sum of rollup rows; only the grouped columns are present. */
export interface ApiCallSum {
  bucket: number;
  endpoint_id: number;
  status: number;
  error_code: string;
  count: number;
}

export interface RollupState {
  lastId: Buffer;
  /** The start (minutes) of the last hour whose top values are summarised; -1 before any. */
  summarisedHour: number;
}

const upsertApiCalls = createBulkUpsert(
  'api_call_rollup',
  ['span', 'bucket', 'endpoint_id', 'method', 'status', 'error_code', 'channel'],
  ['count'],
  ROWS_PER_STATEMENT,
);
const upsertLatency = createBulkUpsert(
  'api_call_latency_rollup',
  ['span', 'bucket', 'endpoint_id', 'latency_bucket'],
  ['count', 'failures'],
  ROWS_PER_STATEMENT,
);
const upsertBlocked = createBulkUpsert(
  'blocked_rollup',
  ['span', 'bucket', 'block_reason', 'method'],
  ['count'],
  ROWS_PER_STATEMENT,
);
const upsertTopValues = createBulkUpsert(
  'log_top_values',
  ['log', 'field', 'span', 'bucket', 'value'],
  ['count'],
  ROWS_PER_STATEMENT,
  ['label'],
);

function inPiece<DB, TB extends keyof DB, O>(
  q: SelectQueryBuilder<DB, TB, O>,
  piece: RollupPiece,
): SelectQueryBuilder<DB, TB, O> {
  return q.where(sql<boolean>`span = ${piece.span} and bucket >= ${piece.first} and bucket < ${piece.end}`);
}

/** The only code that speaks SQL to the rollup tables (see migration 0008 and ADR 0008). */
export function createRollupRepository(db: Db, dialect: Dialect) {
  function apiCallQuery(tx: Executor, piece: RollupPiece, filter: ApiCallFilter) {
    let q = inPiece(tx.selectFrom('api_call_rollup'), piece);
    if (filter.endpointId !== undefined) q = q.where('endpoint_id', '=', filter.endpointId);
    if (filter.method !== undefined) q = q.where('method', '=', filter.method);
    if (filter.status !== undefined) q = q.where('status', '=', filter.status);
    if (filter.minStatus !== undefined) q = q.where('status', '>=', filter.minStatus);
    if (filter.maxStatus !== undefined) q = q.where('status', '<=', filter.maxStatus);
    if (filter.errorCode !== undefined) q = q.where('error_code', '=', filter.errorCode);
    if (filter.channel !== undefined) q = q.where('channel', '=', filter.channel);
    return q;
  }

  function sumApiCallsQuery(
    piece: RollupPiece,
    groups: ApiCallGroup[],
    filter: ApiCallFilter,
    tx: Executor = db,
  ) {
    return apiCallQuery(tx, piece, filter)
      .select(groups)
      .select((eb) => eb.fn.sum<number>('count').as('count'))
      .$if(groups.length > 0, (q) => q.groupBy(groups));
  }

  function latenciesQuery(piece: RollupPiece, tx: Executor = db) {
    return inPiece(tx.selectFrom('api_call_latency_rollup'), piece)
      .select(['endpoint_id', 'latency_bucket'])
      .select((eb) => [eb.fn.sum<number>('count').as('count'), eb.fn.sum<number>('failures').as('failures')])
      .groupBy(['endpoint_id', 'latency_bucket']);
  }

  return {
    /** The log's fold position, locked on PostgreSQL until the transaction ends (one folder at a time). */
    async lockState(log: RolledLog, tx: Executor): Promise<RollupState> {
      await tx
        .insertInto('log_rollup_state')
        .values({ log, last_id: Buffer.alloc(16), summarised_hour: -1 })
        .onConflict((oc) => oc.column('log').doNothing())
        .execute();
      const row = await tx
        .selectFrom('log_rollup_state')
        .select(['last_id', 'summarised_hour'])
        .where('log', '=', log)
        .$if(dialect === 'postgres', (q) => q.forUpdate())
        .executeTakeFirstOrThrow();
      return { lastId: row.last_id, summarisedHour: row.summarised_hour };
    },

    async readState(log: RolledLog, tx: Executor = db): Promise<RollupState> {
      const row = await tx
        .selectFrom('log_rollup_state')
        .select(['last_id', 'summarised_hour'])
        .where('log', '=', log)
        .executeTakeFirst();
      return row
        ? { lastId: row.last_id, summarisedHour: row.summarised_hour }
        : { lastId: Buffer.alloc(16), summarisedHour: -1 };
    },

    async saveState(log: RolledLog, state: RollupState, tx: Executor): Promise<void> {
      await tx
        .updateTable('log_rollup_state')
        .set({ last_id: state.lastId, summarised_hour: state.summarisedHour })
        .where('log', '=', log)
        .execute();
    },

    addApiCalls: (rows: Record<string, unknown>[], tx: Executor) => upsertApiCalls(rows, tx),
    addLatencies: (rows: Record<string, unknown>[], tx: Executor) => upsertLatency(rows, tx),
    addBlocked: (rows: Record<string, unknown>[], tx: Executor) => upsertBlocked(rows, tx),

    /** The finest rows of one ten-minute bucket as stored (minute counts; its response-time histogram). */
    async finestRows(log: RolledLog, tenMinutes: number, tx: Executor) {
      const piece = { span: 1, first: tenMinutes, end: tenMinutes + 10 };
      if (log === 'blocked') {
        return {
          counts: await inPiece(tx.selectFrom('blocked_rollup'), piece).selectAll().execute(),
          latencies: [],
        };
      }
      return {
        counts: await inPiece(tx.selectFrom('api_call_rollup'), piece).selectAll().execute(),
        latencies: await inPiece(tx.selectFrom('api_call_latency_rollup'), { ...piece, span: 10 })
          .selectAll()
          .execute(),
      };
    },

    /** A closed hour's or day's top values and summary. */
    async saveSummary(
      summary: {
        log: AnalyticsLog;
        field: ValueField;
        span: number;
        bucket: number;
        distinctValues: number;
        droppedMax: number;
        sketch: Uint8Array | null;
      },
      top: { value: string; label: string | null; count: number }[],
      tx: Executor,
    ): Promise<void> {
      const { log, field, span, bucket } = summary;
      // A summary is replaced whole: an hour is summarised again when late entries reach it.
      await tx
        .deleteFrom('log_top_values')
        .where(sql<boolean>`log = ${log} and field = ${field} and span = ${span} and bucket = ${bucket}`)
        .execute();
      await upsertTopValues(
        top.map((t) => ({ log, field, span, bucket, value: t.value, label: t.label, count: t.count })),
        tx,
      );
      await tx
        .insertInto('log_value_summary')
        .values({
          log,
          field,
          span,
          bucket,
          distinct_values: summary.distinctValues,
          dropped_max: summary.droppedMax,
          sketch: summary.sketch ? Buffer.from(summary.sketch) : null,
        })
        .onConflict((oc) =>
          oc.columns(['log', 'field', 'span', 'bucket']).doUpdateSet((eb) => ({
            distinct_values: eb.ref('excluded.distinct_values'),
            dropped_max: eb.ref('excluded.dropped_max'),
            sketch: eb.ref('excluded.sketch'),
          })),
        )
        .execute();
    },

    sumApiCallsQuery,

    async sumApiCalls(piece: RollupPiece, groups: ApiCallGroup[], filter: ApiCallFilter, tx: Executor = db) {
      const rows = await sumApiCallsQuery(piece, groups, filter, tx).execute();
      return rows.map((r) => ({ ...r, count: Number(r.count) })) as ApiCallSum[];
    },

    latenciesQuery,

    async latencies(piece: RollupPiece, tx: Executor = db) {
      const rows = await latenciesQuery(piece, tx).execute();
      return rows.map((r) => ({ ...r, count: Number(r.count), failures: Number(r.failures) }));
    },

    /** Response-time histograms per rollup bucket of the piece, of one endpoint code or of all. */
    async latenciesByBucket(piece: RollupPiece, endpointId: number | undefined, tx: Executor = db) {
      const rows = await inPiece(tx.selectFrom('api_call_latency_rollup'), piece)
        .$if(endpointId !== undefined, (q) => q.where('endpoint_id', '=', endpointId!))
        .select(['bucket', 'latency_bucket'])
        .select((eb) => [
          eb.fn.sum<number>('count').as('count'),
          eb.fn.sum<number>('failures').as('failures'),
        ])
        .groupBy(['bucket', 'latency_bucket'])
        .execute();
      return rows.map((r) => ({
        bucket: Number(r.bucket),
        latency_bucket: Number(r.latency_bucket),
        count: Number(r.count),
        failures: Number(r.failures),
      }));
    },

    blockedQuery(piece: RollupPiece, groups: BlockedGroup[], filter: BlockedFilter, tx: Executor = db) {
      let q = inPiece(tx.selectFrom('blocked_rollup'), piece);
      if (filter.blockReason !== undefined) q = q.where('block_reason', '=', filter.blockReason);
      if (filter.method !== undefined) q = q.where('method', '=', filter.method);
      return q
        .select(groups)
        .select((eb) => eb.fn.sum<number>('count').as('count'))
        .$if(groups.length > 0, (b) => b.groupBy(groups));
    },

    /** Summed top values of a piece's hours or days, and the sum of their accuracy bounds. */
    async topValues(log: AnalyticsLog, field: ValueField, piece: RollupPiece, tx: Executor = db) {
      const values = await tx
        .selectFrom('log_top_values')
        .select(['value'])
        .select((eb) => [eb.fn.max('label').as('label'), eb.fn.sum<number>('count').as('count')])
        .where('log', '=', log)
        .where('field', '=', field)
        .where(sql<boolean>`span = ${piece.span} and bucket >= ${piece.first} and bucket < ${piece.end}`)
        .groupBy('value')
        .execute();
      const bound = await tx
        .selectFrom('log_value_summary')
        .select((eb) => eb.fn.sum<number>('dropped_max').as('dropped'))
        .where('log', '=', log)
        .where('field', '=', field)
        .where(sql<boolean>`span = ${piece.span} and bucket >= ${piece.first} and bucket < ${piece.end}`)
        .executeTakeFirst();
      return {
        values: values.map((v) => ({ value: v.value, label: v.label, count: Number(v.count) })),
        droppedMax: Number(bound?.dropped ?? 0),
      };
    },

    /** The HyperLogLog sketches of a piece's hours or days. */
    async sketches(log: AnalyticsLog, field: ValueField, piece: RollupPiece, tx: Executor = db) {
      const rows = await tx
        .selectFrom('log_value_summary')
        .select('sketch')
        .where('log', '=', log)
        .where('field', '=', field)
        .where(sql<boolean>`span = ${piece.span} and bucket >= ${piece.first} and bucket < ${piece.end}`)
        .where('sketch', 'is not', null)
        .execute();
      return rows.map((r) => r.sketch!);
    },

    /**
     * For the retention job: drops the rollups of buckets that end before `minute`, so the analytics
     * never summarise entries the logs no longer hold.
     */
    async deleteBefore(minute: number, tx: Executor = db): Promise<void> {
      for (const table of ['api_call_rollup', 'api_call_latency_rollup', 'blocked_rollup'] as const) {
        await tx
          .deleteFrom(table)
          .where(sql<boolean>`bucket + span <= ${minute}`)
          .execute();
      }
      for (const table of ['log_top_values', 'log_value_summary'] as const) {
        await tx
          .deleteFrom(table)
          .where(sql<boolean>`bucket + span <= ${minute}`)
          .execute();
      }
    },
  };
}

export type RollupRepository = ReturnType<typeof createRollupRepository>;
