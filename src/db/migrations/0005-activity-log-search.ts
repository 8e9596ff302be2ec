import ipaddr from 'ipaddr.js';
import { sql, type Kysely } from 'kysely';
import { columnTypes } from './dialect.js';

const BACKFILL_BATCH = 500;

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

/**
 * Searching the activity log: every filter is an equality (or, for addresses, a range) on its own
 * column followed by the id, so a filtered page newest first is one index range read in id order
 * (keyset pagination), never a sort of the matching rows.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const { postgres } = columnTypes(db);
  await db.schema
    .alterTable('activity_log')
    .addColumn('ip_bytes', postgres ? sql`bytea` : sql`blob`)
    .execute();

  let after = '';
  for (;;) {
    const rows: { id: string; ip: string | null }[] = await db
      .selectFrom('activity_log')
      .select(['id', 'ip'])
      .where('id', '>', after)
      .where('ip', 'is not', null)
      .orderBy('id')
      .limit(BACKFILL_BATCH)
      .execute();
    for (const row of rows) {
      await db
        .updateTable('activity_log')
        .set({ ip_bytes: ipBytes(row.ip) })
        .where('id', '=', row.id)
        .execute();
    }
    if (rows.length < BACKFILL_BATCH) break;
    after = rows.at(-1)!.id;
  }

  const indexes: [string, string][] = [
    ['activity_log_admin_id', 'admin_user'],
    ['activity_log_actor_id', 'actor_id'],
    ['activity_log_action_id', 'action_type'],
    ['activity_log_resource_type_id', 'resource_type'],
    ['activity_log_resource_id', 'resource_id'],
    ['activity_log_result_id', 'result'],
    ['activity_log_ip_id', 'ip_bytes'],
  ];
  for (const [name, column] of indexes) {
    await db.schema.createIndex(name).on('activity_log').columns([column, 'id']).execute();
  }
  // Superseded by activity_log_action_id: ids sort by time, and keyset pages order by id.
  await db.schema.dropIndex('activity_log_action_timestamp').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('activity_log_action_timestamp')
    .on('activity_log')
    .columns(['action_type', 'timestamp'])
    .execute();
  for (const name of [
    'activity_log_ip_id',
    'activity_log_result_id',
    'activity_log_resource_id',
    'activity_log_resource_type_id',
    'activity_log_action_id',
    'activity_log_actor_id',
    'activity_log_admin_id',
  ]) {
    await db.schema.dropIndex(name).execute();
  }
  await db.schema.alterTable('activity_log').dropColumn('ip_bytes').execute();
}
