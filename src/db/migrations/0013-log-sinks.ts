import type { Kysely } from 'kysely';
import { columnTypes } from './dialect.js';

/**
 * Log sinks (ADR 0012): each sink's configuration and delivery state in `log_sinks`, and its cursor in
 * `log_sink_cursors`: per sink and log, the chain position (`chain_seq`, ADR 0009) of the last entry
 * delivered. Times the delivery job compares (`failing_since`, `next_attempt_at`, `lease_until`) are
 * epoch milliseconds, so both stores compare them as numbers.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const { timestamp, json } = columnTypes(db);
  await db.schema
    .createTable('log_sinks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('logs', json, (c) => c.notNull())
    .addColumn('filters', json, (c) => c.notNull())
    .addColumn('format', 'text', (c) => c.notNull())
    .addColumn('secret', 'text')
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('created_at', timestamp, (c) => c.notNull())
    .addColumn('updated_at', timestamp, (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('failing_since', 'bigint')
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', 'bigint')
    .addColumn('last_error', 'text')
    .addColumn('last_error_at', timestamp)
    .addColumn('delivered', 'bigint', (c) => c.notNull())
    .addColumn('retried', 'bigint', (c) => c.notNull())
    .addColumn('last_delivery_at', timestamp)
    .addColumn('lease_owner', 'text')
    .addColumn('lease_until', 'bigint')
    .execute();
  await db.schema
    .createTable('log_sink_cursors')
    .addColumn('sink_id', 'text', (c) => c.notNull())
    .addColumn('log', 'text', (c) => c.notNull())
    .addColumn('position', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('log_sink_cursors_pkey', ['sink_id', 'log'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('log_sink_cursors').execute();
  await db.schema.dropTable('log_sinks').execute();
}
