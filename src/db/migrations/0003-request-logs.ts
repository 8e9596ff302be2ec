import { sql, type Kysely } from 'kysely';
import { columnTypes } from './dialect.js';

/**
 * The API-call log (every outcome; the failed-call columns are filled for status >= 400) and the
 * blocked-request log. Compact on purpose (see ADR 0003): the entry id is a ULID whose time part is the
 * request's timestamp, so the primary key is also the time index; methods, channels and directions are
 * small integer codes; response times are microseconds. Ids are stored as their ULID's 16 bytes (byte
 * order is time order), and the masked API key only when no key id names it. SQLite tables are WITHOUT ROWID, so the key is
 * the table and there is no second copy of it.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const { postgres } = columnTypes(db);
  const blob = postgres ? sql`bytea` : sql`blob`;

  let apiCalls = db.schema
    .createTable('api_call_log')
    .addColumn('id', blob, (c) => c.primaryKey())
    .addColumn('endpoint', 'text')
    .addColumn('path', 'text')
    .addColumn('method', 'integer', (c) => c.notNull())
    .addColumn('status', 'integer', (c) => c.notNull())
    .addColumn('response_time_us', 'integer', (c) => c.notNull())
    .addColumn('ip', 'text')
    .addColumn('api_key', 'text')
    .addColumn('api_key_id', 'text')
    .addColumn('request_size', 'integer', (c) => c.notNull())
    .addColumn('response_size', 'integer', (c) => c.notNull())
    .addColumn('user_agent', 'text')
    .addColumn('license_key', 'text')
    .addColumn('license_key_hash', blob)
    .addColumn('license_id', 'text')
    .addColumn('customer_id', 'text')
    .addColumn('product_id', 'text')
    .addColumn('channel', 'integer', (c) => c.notNull())
    .addColumn('direction', 'integer', (c) => c.notNull())
    .addColumn('error_code', 'text')
    .addColumn('error_message', 'text')
    .addColumn('stack_trace', 'text')
    .addColumn('validation_errors', 'text')
    .addColumn('retry_count', 'integer')
    .addColumn('request_body', 'text')
    .addColumn('request_body_truncated', 'integer');
  if (!postgres) apiCalls = apiCalls.modifyEnd(sql`without rowid`);
  await apiCalls.execute();
  // Support searches by the full licence key go through its keyed hash; only rows that carry one.
  await db.schema
    .createIndex('api_call_log_license')
    .on('api_call_log')
    .column('license_key_hash')
    .where(sql.ref('license_key_hash'), 'is not', null)
    .execute();

  let blocked = db.schema
    .createTable('blocked_log')
    .addColumn('id', blob, (c) => c.primaryKey())
    .addColumn('block_reason', 'text', (c) => c.notNull())
    .addColumn('rule_id', 'text')
    .addColumn('ip', 'text')
    .addColumn('method', 'integer', (c) => c.notNull())
    .addColumn('path', 'text')
    .addColumn('api_key', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('country_code', 'text')
    .addColumn('fingerprint', 'text')
    .addColumn('threat_score', 'integer', (c) => c.notNull())
    .addColumn('matched_location', 'text');
  if (!postgres) blocked = blocked.modifyEnd(sql`without rowid`);
  await blocked.execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('blocked_log').execute();
  await db.schema.dropTable('api_call_log').execute();
}
