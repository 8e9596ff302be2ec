import { sql, type Kysely } from 'kysely';
import { columnTypes } from './dialect.js';

/**
 * Rollups of the request logs for the analytics API (see ADR 0008). Buckets are UTC minutes since the
 * epoch; `span` is the bucket's length in minutes (1, 60, 360 or 1440; response-time histograms
 * from 10), so one table holds every level and
 * a window is one key range per level. Every key column is NOT NULL (absent values are '' or 0) so
 * upserts meet their conflict target. Route patterns are kept as their `log_endpoints` codes, as the
 * API-call rows keep them (0: none).
 */
export async function up(db: Kysely<any>): Promise<void> {
  const { postgres } = columnTypes(db);
  const blob = postgres ? sql`bytea` : sql`blob`;
  const withoutRowid = <T extends { modifyEnd(s: unknown): T }>(table: T): T =>
    postgres ? table : table.modifyEnd(sql`without rowid`);

  // How far each log has been folded: the last entry id counted, moved in the fold's own transaction.
  await db.schema
    .createTable('log_rollup_state')
    .addColumn('log', 'text', (c) => c.primaryKey())
    .addColumn('last_id', blob, (c) => c.notNull())
    .addColumn('summarised_hour', 'integer', (c) => c.notNull())
    .execute();

  // Ten-minute buckets holding entries stored after the fold had passed them: refolded, then removed if
  // no entry marked them meanwhile (`marks` unchanged).
  await withoutRowid(
    db.schema
      .createTable('log_rollup_late')
      .addColumn('log', 'text', (c) => c.notNull())
      .addColumn('bucket', 'integer', (c) => c.notNull())
      .addColumn('marks', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('log_rollup_late_pkey', ['log', 'bucket']),
  ).execute();

  await withoutRowid(
    db.schema
      .createTable('api_call_rollup')
      .addColumn('span', 'integer', (c) => c.notNull())
      .addColumn('bucket', 'integer', (c) => c.notNull())
      .addColumn('endpoint_id', 'integer', (c) => c.notNull())
      .addColumn('method', 'integer', (c) => c.notNull())
      .addColumn('status', 'integer', (c) => c.notNull())
      .addColumn('error_code', 'text', (c) => c.notNull())
      .addColumn('channel', 'integer', (c) => c.notNull())
      .addColumn('count', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('api_call_rollup_pkey', [
        'span',
        'bucket',
        'endpoint_id',
        'method',
        'status',
        'error_code',
        'channel',
      ]),
  ).execute();

  // Response times as counts per fixed log-scale bucket: percentiles come from sums.
  await withoutRowid(
    db.schema
      .createTable('api_call_latency_rollup')
      .addColumn('span', 'integer', (c) => c.notNull())
      .addColumn('bucket', 'integer', (c) => c.notNull())
      .addColumn('endpoint_id', 'integer', (c) => c.notNull())
      .addColumn('latency_bucket', 'integer', (c) => c.notNull())
      .addColumn('count', 'bigint', (c) => c.notNull())
      .addColumn('failures', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('api_call_latency_rollup_pkey', [
        'span',
        'bucket',
        'endpoint_id',
        'latency_bucket',
      ]),
  ).execute();

  await withoutRowid(
    db.schema
      .createTable('blocked_rollup')
      .addColumn('span', 'integer', (c) => c.notNull())
      .addColumn('bucket', 'integer', (c) => c.notNull())
      .addColumn('block_reason', 'text', (c) => c.notNull())
      .addColumn('method', 'integer', (c) => c.notNull())
      .addColumn('count', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('blocked_rollup_pkey', ['span', 'bucket', 'block_reason', 'method']),
  ).execute();

  // The most frequent values of a high-cardinality field (address, licence key, user agent) per closed
  // hour and day, with the largest count left out (`log_value_summary.dropped_max`): the accuracy bound.
  await withoutRowid(
    db.schema
      .createTable('log_top_values')
      .addColumn('log', 'text', (c) => c.notNull())
      .addColumn('field', 'text', (c) => c.notNull())
      .addColumn('span', 'integer', (c) => c.notNull())
      .addColumn('bucket', 'integer', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('label', 'text')
      .addColumn('count', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('log_top_values_pkey', ['log', 'field', 'span', 'bucket', 'value']),
  ).execute();

  await withoutRowid(
    db.schema
      .createTable('log_value_summary')
      .addColumn('log', 'text', (c) => c.notNull())
      .addColumn('field', 'text', (c) => c.notNull())
      .addColumn('span', 'integer', (c) => c.notNull())
      .addColumn('bucket', 'integer', (c) => c.notNull())
      .addColumn('distinct_values', 'bigint', (c) => c.notNull())
      .addColumn('dropped_max', 'bigint', (c) => c.notNull())
      // HyperLogLog registers of the field's values (addresses only): unique counts over many hours.
      .addColumn('sketch', blob)
      .addPrimaryKeyConstraint('log_value_summary_pkey', ['log', 'field', 'span', 'bucket']),
  ).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'log_value_summary',
    'log_top_values',
    'blocked_rollup',
    'api_call_latency_rollup',
    'api_call_rollup',
    'log_rollup_late',
    'log_rollup_state',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
