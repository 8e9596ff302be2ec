import ipaddr from 'ipaddr.js';
import { sql, type Kysely } from 'kysely';
import { columnTypes } from './dialect.js';

const BACKFILL_BATCH = 500;
const FAILED = sql<boolean>`status >= 400`;

/** The address as 16 bytes, IPv4 as IPv4-mapped IPv6: a CIDR filter becomes a byte range. */
function ipBytes(text: string | null): Buffer | null {
  if (!text || !ipaddr.isValid(text)) return null;
  const address = ipaddr.parse(text);
  return Buffer.from(
    address.kind() === 'ipv4'
      ? (address as ipaddr.IPv4).toIPv4MappedAddress().toByteArray()
      : address.toByteArray(),
  );
}

async function backfillIpBytes(db: Kysely<any>, table: string): Promise<void> {
  let after: Buffer | null = null;
  for (;;) {
    let query = db
      .selectFrom(table)
      .select(['id', 'ip'])
      .where('ip', 'is not', null)
      .orderBy('id')
      .limit(BACKFILL_BATCH);
    if (after) query = query.where('id', '>', after);
    const rows: { id: Buffer; ip: string }[] = await query.execute();
    for (const row of rows) {
      await db
        .updateTable(table)
        .set({ ip_bytes: ipBytes(row.ip) })
        .where('id', '=', row.id)
        .execute();
    }
    if (rows.length < BACKFILL_BATCH) break;
    after = rows.at(-1)!.id;
  }
}

/**
 * Searching the API-call and blocked-request logs (ADR 0007). Every index is a filter's value followed
 * by the id, so a filtered page newest first is one index range read in id order (keyset pagination).
 * The API-call entry has a byte budget, so its indexes cover only what is rare: rows that carry a
 * licence key, and failures (`status >= 400`, the failed-call log). Filters without an index of their
 * own (method, status, API key, product, channel, …) read the primary key, which is the time index.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const { postgres } = columnTypes(db);
  const blob = postgres ? sql`bytea` : sql`blob`;
  for (const table of ['api_call_log', 'blocked_log']) {
    await db.schema.alterTable(table).addColumn('ip_bytes', blob).execute();
    await backfillIpBytes(db, table);
  }

  // Replaces 0003's index on the hash alone: PostgreSQL needs the id in it to read a key's history in
  // id order (SQLite's WITHOUT ROWID index held the id already, so its size is unchanged there).
  await db.schema.dropIndex('api_call_log_license').execute();
  await db.schema
    .createIndex('api_call_log_license_id')
    .on('api_call_log')
    .columns(['license_key_hash', 'id'])
    .where(sql.ref('license_key_hash'), 'is not', null)
    .execute();

  const failures: [string, string[]][] = [
    ['api_call_log_failed_id', ['id']],
    ['api_call_log_failed_endpoint_id', ['endpoint', 'id']],
    ['api_call_log_failed_error_id', ['error_code', 'id']],
    ['api_call_log_failed_ip_id', ['ip_bytes', 'id']],
  ];
  for (const [name, columns] of failures) {
    await db.schema.createIndex(name).on('api_call_log').columns(columns).where(FAILED).execute();
  }

  const blocked: [string, string][] = [
    ['blocked_log_reason_id', 'block_reason'],
    ['blocked_log_rule_id', 'rule_id'],
    ['blocked_log_ip_id', 'ip_bytes'],
  ];
  for (const [name, column] of blocked) {
    await db.schema.createIndex(name).on('blocked_log').columns([column, 'id']).execute();
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const name of ['blocked_log_ip_id', 'blocked_log_rule_id', 'blocked_log_reason_id']) {
    await db.schema.dropIndex(name).execute();
  }
  for (const name of [
    'api_call_log_failed_ip_id',
    'api_call_log_failed_error_id',
    'api_call_log_failed_endpoint_id',
    'api_call_log_failed_id',
    'api_call_log_license_id',
  ]) {
    await db.schema.dropIndex(name).execute();
  }
  await db.schema
    .createIndex('api_call_log_license')
    .on('api_call_log')
    .column('license_key_hash')
    .where(sql.ref('license_key_hash'), 'is not', null)
    .execute();
  for (const table of ['blocked_log', 'api_call_log']) {
    await db.schema.alterTable(table).dropColumn('ip_bytes').execute();
  }
}
