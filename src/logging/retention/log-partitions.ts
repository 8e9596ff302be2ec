import { sql, type RawBuilder, type Transaction } from 'kysely';
import type { Db, Executor } from '../../db/database.js';
import type { Database } from '../../db/schema.js';
import { DAY_MS, startOfUtcDay } from './retention-cutoff.js';
import type { LogTableName } from './retained-logs.js';

/**
 * PostgreSQL's log tables are partitioned by range of id, one partition per UTC day (migration 0012,
 * ADR 0010): `<table>_pYYYYMMDD` holds the ids of that day, `<table>_default` whatever falls outside
 * every day partition, so a write never fails for want of one. Each partition's indexes carry their
 * parent index's name plus the partition's suffix, so a query plan names the index it uses.
 */

/** Days ahead of today that always have their partition, so writes near midnight never miss one. */
export const DAYS_AHEAD = 3;

const DAY_SUFFIX = /_p(\d{4})(\d{2})(\d{2})$/;

export interface DayPartition {
  name: string;
  /** Start of the UTC day it holds (ms). */
  day: number;
}

const suffixOf = (day: number) => `_p${new Date(day).toISOString().slice(0, 10).replace(/-/g, '')}`;

export const dayPartitionName = (table: LogTableName, day: number) => `${table}${suffixOf(day)}`;

/** An id bound as SQL text: DDL takes no parameters; the value is built from a number, never input. */
function idLiteral(table: LogTableName, idAt: (ms: number) => string | Buffer, ms: number) {
  const id = idAt(ms);
  if (typeof id === 'string') {
    if (!/^log_[0-9a-z]{26}$/.test(id)) throw new Error(`unexpected id bound for ${table}`);
    return sql.lit(id);
  }
  return sql.raw(`'\\x${id.toString('hex')}'::bytea`);
}

export function createLogPartitions(db: Db, idAt: Record<LogTableName, (ms: number) => string | Buffer>) {
  async function dayPartitions(executor: Executor, table: LogTableName): Promise<DayPartition[]> {
    const { rows } = await sql<{ name: string }>`
      select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
      where i.inhparent = ${table}::regclass`.execute(executor);
    const days: DayPartition[] = [];
    for (const { name } of rows) {
      const match = DAY_SUFFIX.exec(name);
      if (match) days.push({ name, day: Date.UTC(+match[1]!, +match[2]! - 1, +match[3]!) });
    }
    return days.sort((a, b) => a.day - b.day);
  }

  /**
   * Serialises the partition changes of one table between server processes (each runs the job) for
   * the rest of the transaction, and says whether `partition` is still absent.
   */
  async function lockAbsent(tx: Executor, table: LogTableName, partition: string): Promise<boolean> {
    await sql`select pg_advisory_xact_lock(hashtext(${`keymanager.log-partitions.${table}`}))`.execute(tx);
    // A query of pg_class, not to_regclass: an advisory lock does not refresh the catalogue caches.
    const { rows } = await sql`
      select 1 from pg_class
      where relname = ${partition} and relnamespace = current_schema()::regnamespace`.execute(tx);
    return rows.length === 0;
  }

  /** The partition's indexes take their parent's names with the partition's suffix. */
  async function nameIndexes(tx: Executor, partition: string, suffix: string): Promise<void> {
    const { rows } = await sql<{ child: string; parent: string }>`
      select c.relname as child, p.relname as parent
      from pg_index x
      join pg_class c on c.oid = x.indexrelid
      join pg_inherits h on h.inhrelid = c.oid
      join pg_class p on p.oid = h.inhparent
      where x.indrelid = ${partition}::regclass`.execute(tx);
    for (const { child, parent } of rows) {
      const wanted = `${parent}${suffix}`;
      if (child !== wanted) await sql`alter index ${sql.id(child)} rename to ${sql.id(wanted)}`.execute(tx);
    }
  }

  /**
   * Adds the day's partition. Entries of that day written while it had none sit in the default
   * partition: they move into the new one in the same transaction, as attaching requires.
   */
  async function addDay(tx: Transaction<Database>, table: LogTableName, day: number): Promise<boolean> {
    const name = dayPartitionName(table, day);
    if (!(await lockAbsent(tx, table, name))) return false;
    const from = idLiteral(table, idAt[table], day);
    const to = idLiteral(table, idAt[table], day + DAY_MS);
    await sql`create table ${sql.id(name)} (like ${sql.table(table)} including defaults including constraints)`.execute(
      tx,
    );
    await sql`
      with moved as (
        delete from ${sql.table(`${table}_default`)} where id >= ${from} and id < ${to} returning *
      )
      insert into ${sql.id(name)} select * from moved`.execute(tx);
    await sql`alter table ${sql.table(table)} attach partition ${sql.id(name)} for values from (${from}) to (${to})`.execute(
      tx,
    );
    await nameIndexes(tx, name, suffixOf(day));
    return true;
  }

  return {
    dayPartitions: (table: LogTableName, executor: Executor = db) => dayPartitions(executor, table),

    /** Partitions for today and the next DAYS_AHEAD days of each table, those missing only. */
    async ensureAhead(now: Date, tables: readonly LogTableName[]): Promise<string[]> {
      const created: string[] = [];
      const today = startOfUtcDay(now.getTime());
      for (const table of tables) {
        const have = new Set((await dayPartitions(db, table)).map((p) => p.day));
        for (let i = 0; i <= DAYS_AHEAD; i++) {
          const day = today + i * DAY_MS;
          if (have.has(day)) continue;
          if (await db.transaction().execute((tx) => addDay(tx, table, day))) {
            created.push(dayPartitionName(table, day));
          }
        }
      }
      return created;
    },

    /** Rows of a partition matching each condition, counted in one pass. */
    async countIn(
      executor: Executor,
      partition: string,
      conditions: readonly (RawBuilder<boolean> | null)[],
    ): Promise<number[]> {
      const columns = conditions.map((condition, i) =>
        condition
          ? sql`count(*) filter (where ${condition}) as ${sql.id(`n${i}`)}`
          : sql`count(*) as ${sql.id(`n${i}`)}`,
      );
      const { rows } = await sql<Record<string, string | number>>`
        select ${sql.join(columns)} from ${sql.table(partition)}`.execute(executor);
      return conditions.map((_, i) => Number(rows[0]![`n${i}`]));
    },

    /**
     * Takes the table's partition lock in the caller's transaction; false when another process
     * dropped the partition meanwhile.
     */
    async lockPresent(tx: Executor, table: LogTableName, partition: string): Promise<boolean> {
      return !(await lockAbsent(tx, table, partition));
    },

    /** Detaches and drops a whole day at once, in the caller's transaction. */
    async dropDay(tx: Executor, table: LogTableName, partition: string): Promise<void> {
      await sql`alter table ${sql.table(table)} detach partition ${sql.table(partition)}`.execute(tx);
      await sql`drop table ${sql.table(partition)}`.execute(tx);
    },
  };
}

export type LogPartitions = ReturnType<typeof createLogPartitions>;
