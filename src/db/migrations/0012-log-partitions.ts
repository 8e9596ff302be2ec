import { sql, type Kysely, type RawBuilder } from 'kysely';
import { columnTypes } from './dialect.js';

/**
 * PostgreSQL's logs partitioned by day (ADR 0010): each log table becomes a table partitioned by range
 * of id (ids are ULIDs whose leading 48 bits are the entry's millisecond, so a day is an id range and
 * the primary key stays the id alone), with one partition per UTC day that holds entries and a default
 * partition for anything else, so a write never fails. Retention then drops
 * a day's partition instead of deleting its rows. Every index moves to the partitioned table under its
 * own name (those of 0003, 0005, 0007 and any later one), and each partition's copy takes that name plus
 * the partition's suffix. SQLite keeps its tables. The id forms are restated here, as migrations stay
 * as they shipped.
 */

const TABLES = ['activity_log', 'api_call_log', 'blocked_log'] as const;
type LogTable = (typeof TABLES)[number];
const DAY_MS = 86_400_000;
const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';

/** activity_log's ids are text (`log_` + lower-case ULID); the request logs' are the ULID's 16 bytes. */
const textIds = (table: LogTable) => table === 'activity_log';

function idBound(table: LogTable, ms: number): RawBuilder<unknown> {
  if (textIds(table)) {
    let time = '';
    for (let rest = ms, i = 0; i < 10; i++, rest = Math.floor(rest / 32)) time = CROCKFORD[rest % 32] + time;
    return sql.lit(`log_${time}${'0'.repeat(16)}`);
  }
  const bytes = Buffer.alloc(16);
  bytes.writeUIntBE(ms, 0, 6);
  return sql.raw(`'\\x${bytes.toString('hex')}'::bytea`);
}

function msOfId(id: string | Buffer): number {
  if (typeof id !== 'string') return Buffer.from(id).readUIntBE(0, 6);
  let ms = 0;
  for (const c of id.slice(4, 14)) ms = ms * 32 + CROCKFORD.indexOf(c);
  return ms;
}

const dayOf = (ms: number) => Math.floor(ms / DAY_MS) * DAY_MS;
const daySuffix = (day: number) => `_p${new Date(day).toISOString().slice(0, 10).replace(/-/g, '')}`;

/** Gives a partition's indexes their parent index's name plus the partition's suffix. */
async function nameIndexes(db: Kysely<any>, partition: string, suffix: string): Promise<void> {
  const { rows } = await sql<{ child: string; parent: string }>`
    select c.relname as child, p.relname as parent
    from pg_index x
    join pg_class c on c.oid = x.indexrelid
    join pg_inherits h on h.inhrelid = c.oid
    join pg_class p on p.oid = h.inhparent
    where x.indrelid = ${partition}::regclass`.execute(db);
  for (const { child, parent } of rows) {
    await sql`alter index ${sql.id(child)} rename to ${sql.id(parent + suffix)}`.execute(db);
  }
}

async function addDayPartition(db: Kysely<any>, table: LogTable, day: number): Promise<void> {
  const name = table + daySuffix(day);
  await sql`create table ${sql.id(name)} partition of ${sql.id(table)}
    for values from (${idBound(table, day)}) to (${idBound(table, day + DAY_MS)})`.execute(db);
  await nameIndexes(db, name, daySuffix(day));
}

/**
 * Renames the table aside, creates its new shape under the old name with the same columns, primary
 * key and indexes (their definitions read from the catalogue), copies every row and drops the old one.
 */
async function rebuild(db: Kysely<any>, table: LogTable, partitioned: boolean): Promise<void> {
  const aside = `${table}_${partitioned ? 'unpartitioned' : 'partitioned'}`;
  const { rows: indexes } = await sql<{ name: string; definition: string }>`
    select c.relname as name, pg_get_indexdef(x.indexrelid) as definition
    from pg_index x join pg_class c on c.oid = x.indexrelid
    where x.indrelid = ${table}::regclass and not x.indisprimary`.execute(db);
  const { rows: keys } = await sql<{ name: string }>`
    select conname as name from pg_constraint where conrelid = ${table}::regclass and contype = 'p'`.execute(
    db,
  );
  await sql`alter table ${sql.id(table)} rename to ${sql.id(aside)}`.execute(db);
  for (const { name } of keys) {
    await sql`alter table ${sql.id(aside)} rename constraint ${sql.id(name)} to ${sql.id(`${aside}_pkey`)}`.execute(
      db,
    );
  }
  for (const { name } of indexes) await sql`drop index ${sql.id(name)}`.execute(db);

  await sql`create table ${sql.id(table)} (like ${sql.id(aside)} including defaults including constraints)
    ${partitioned ? sql`partition by range (id)` : sql``}`.execute(db);
  await sql`alter table ${sql.id(table)} add constraint ${sql.id(`${table}_pkey`)} primary key (id)`.execute(
    db,
  );
  for (const { definition } of indexes) {
    const onTable = definition.replace(
      /^(CREATE (?:UNIQUE )?INDEX \S+ ON )(?:ONLY )?\S+( USING )/,
      `$1${table.replace(/[^a-z_]/g, '')}$2`,
    );
    await sql.raw(onTable).execute(db);
  }

  if (partitioned) {
    await sql`create table ${sql.id(`${table}_default`)} partition of ${sql.id(table)} default`.execute(db);
    await nameIndexes(db, `${table}_default`, '_default');
    // A partition for each day that holds entries, found a day at a time through the primary key. The
    // days ahead are the retention job's: it creates them on its first run, at start-up.
    const days = new Set<number>();
    for (let from: number | null = 0; from !== null;) {
      const row: { id: string | Buffer } | undefined = await db
        .selectFrom(aside)
        .select('id')
        .where('id', '>=', idBound(table, from))
        .orderBy('id')
        .limit(1)
        .executeTakeFirst();
      if (!row) break;
      const day = dayOf(msOfId(row.id));
      days.add(day);
      from = day + DAY_MS;
    }
    for (const day of [...days].sort((a, b) => a - b)) await addDayPartition(db, table, day);
  }

  await sql`insert into ${sql.id(table)} select * from ${sql.id(aside)}`.execute(db);
  await sql`drop table ${sql.id(aside)} cascade`.execute(db);
}

export async function up(db: Kysely<any>): Promise<void> {
  if (!columnTypes(db).postgres) return;
  for (const table of TABLES) await rebuild(db, table, true);
}

export async function down(db: Kysely<any>): Promise<void> {
  if (!columnTypes(db).postgres) return;
  for (const table of TABLES) await rebuild(db, table, false);
}
