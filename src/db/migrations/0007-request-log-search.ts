import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { sql, type Kysely } from 'kysely';
import { columnTypes } from './dialect.js';

const BACKFILL_BATCH = 500;
const FAILED = sql<boolean>`status >= 400`;
const TEXT_TAG = 0xff;

/**
 * The address in the compact form migration 0006 gave api_call_log.ip (storedIp in
 * src/logging/request-log.codec.ts, restated because a migration stays as it shipped): 4 or 16 bytes
 * for an address written the canonical way, anything else as tagged text.
 */
function ipBytes(ip: string | null): Buffer | null {
  if (ip === null) return null;
  if (isIP(ip) === 4 && ipaddr.IPv4.parse(ip).toString() === ip) {
    return Buffer.from(ipaddr.IPv4.parse(ip).toByteArray());
  }
  if (isIP(ip) === 6 && !ip.includes('%') && ipaddr.IPv6.parse(ip).toRFC5952String() === ip) {
    return Buffer.from(ipaddr.IPv6.parse(ip).toByteArray());
  }
  const utf8 = Buffer.from(ip);
  return Buffer.concat([Buffer.alloc([4, 16].includes(utf8.length + 1) ? 2 : 1, TEXT_TAG), utf8]);
}

async function backfillIpBytes(db: Kysely<any>): Promise<void> {
  const table = 'blocked_log';
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
 * The API-call log's compact columns (0006) are indexed as stored: the route pattern's code, the
 * address's bytes. The blocked log keeps its address as text and gains those bytes beside it.
 */
/**
 * 0006 built the compact table under another name and renamed it: on PostgreSQL its primary key kept
 * the built table's name. It takes the table's own name again, the one the time index is known by.
 */
async function namePrimaryKey(db: Kysely<any>): Promise<void> {
  const { rows } = await sql<{ conname: string }>`
    select conname from pg_constraint
    where conrelid = ${'api_call_log'}::regclass and contype = 'p'`.execute(db);
  const current = rows[0]?.conname;
  if (current !== undefined && current !== 'api_call_log_pkey') {
    await sql`alter table api_call_log rename constraint ${sql.id(current)} to api_call_log_pkey`.execute(db);
  }
}

async function searchUp(db: Kysely<any>, postgres: boolean): Promise<void> {
  if (postgres) await namePrimaryKey(db);
  await db.schema
    .alterTable('blocked_log')
    .addColumn('ip_bytes', postgres ? sql`bytea` : sql`blob`)
    .execute();
  await backfillIpBytes(db);

  // Replaces the index on the hash alone (0003, rebuilt by 0006): PostgreSQL needs the id in it to read
  // a key's history in id order (SQLite's WITHOUT ROWID index held the id already, so its size is
  // unchanged there).
  await db.schema.dropIndex('api_call_log_license').execute();
  await db.schema
    .createIndex('api_call_log_license_id')
    .on('api_call_log')
    .columns(['license_key_hash', 'id'])
    .where(sql.ref('license_key_hash'), 'is not', null)
    .execute();

  const failures: [string, string[]][] = [
    ['api_call_log_failed_id', ['id']],
    ['api_call_log_failed_endpoint_id', ['endpoint_id', 'id']],
    ['api_call_log_failed_error_id', ['error_code', 'id']],
    ['api_call_log_failed_ip_id', ['ip', 'id']],
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

async function searchDown(db: Kysely<any>): Promise<void> {
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
  await db.schema.alterTable('blocked_log').dropColumn('ip_bytes').execute();
}

/** PostgreSQL runs each migration in a transaction; on SQLite the backfill takes one of its own. */
async function inTransaction(db: Kysely<any>, work: (db: Kysely<any>, postgres: boolean) => Promise<void>) {
  const { postgres } = columnTypes(db);
  if (postgres || db.isTransaction) return work(db, postgres);
  await db.transaction().execute((tx) => work(tx, postgres));
}

export async function up(db: Kysely<any>): Promise<void> {
  await inTransaction(db, searchUp);
}

export async function down(db: Kysely<any>): Promise<void> {
  await inTransaction(db, searchDown);
}
