import { randomBytes } from 'node:crypto';
import { PostgresAdapter, sql, type Transaction } from 'kysely';
import type { Executor } from '../../db/database.js';
import type { Database } from '../../db/schema.js';
import { HASH_BYTES, nextHeadHex, type ChainedLog } from './chain.js';

/**
 * How entries join a chain (ADR 0009): inside the transaction that stores them, under the chain's head
 * row, so writers in several processes extend one chain in commit order. A transaction chaining more
 * than one log takes their heads in CHAINED_LOGS order, so two writers never wait on each other in a
 * circle.
 */

export interface ChainHead {
  count: number;
  /** Hex. */
  head: string;
}

const isPostgres = (tx: Executor) => tx.getExecutor().adapter instanceof PostgresAdapter;

/**
 * The head of `log`, locked until `tx` ends: `for update` on PostgreSQL; on SQLite the transaction
 * already holds the database's write lock (`begin immediate`).
 */
export async function lockChainHead(tx: Transaction<Database>, log: ChainedLog): Promise<ChainHead> {
  let query = tx.selectFrom('log_chain_heads').select(['count', 'head']).where('log', '=', log);
  if (isPostgres(tx)) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  if (!row) throw new Error(`log chain ${log} has no head row (migration 0009 not applied?)`);
  return { count: Number(row.count), head: Buffer.from(row.head).toString('hex') };
}

/**
 * The secret salt of each (log, UTC day), read or created in the chaining transaction. Only salts read
 * as already there are remembered: one this transaction created dies with it if it rolls back, and the
 * next batch reads it back once committed. One cache per database, as the salts belong to it.
 */
export function createSaltCache() {
  const remembered = new Map<string, Map<string, string>>();

  return {
    /** Hex salts of `days` for `log`; call with the chain's head locked, which serialises creation. */
    async salts(tx: Executor, log: ChainedLog, days: Iterable<string>): Promise<Map<string, string>> {
      let known = remembered.get(log);
      if (!known) remembered.set(log, (known = new Map()));
      const result = new Map<string, string>();
      const missing: string[] = [];
      for (const day of days) {
        const salt = known.get(day);
        if (salt === undefined) missing.push(day);
        else result.set(day, salt);
      }
      if (missing.length === 0) return result;
      const read = async () =>
        tx
          .selectFrom('log_integrity_salts')
          .select(['day', 'salt'])
          .where('log', '=', log)
          .where('day', 'in', missing)
          .execute();
      for (const row of await read()) {
        const salt = Buffer.from(row.salt).toString('hex');
        known.set(row.day, salt);
        result.set(row.day, salt);
      }
      const absent = missing.filter((day) => !result.has(day));
      if (absent.length === 0) return result;
      await tx
        .insertInto('log_integrity_salts')
        .values(absent.map((day) => ({ log, day, salt: randomBytes(HASH_BYTES) })))
        .onConflict((oc) => oc.columns(['log', 'day']).doNothing())
        .execute();
      for (const row of await read()) {
        if (!result.has(row.day)) result.set(row.day, Buffer.from(row.salt).toString('hex'));
      }
      for (const day of absent) {
        if (!result.has(day)) throw new Error(`log chain ${log}: no salt for ${day} after creating it`);
      }
      return result;
    },
  };
}

export type SaltCache = ReturnType<typeof createSaltCache>;

/** Where chained entries were placed: `hashes[i]` is head(first + i), hex. */
export interface ChainedRun {
  first: number;
  hashes: string[];
}

/**
 * Appends entries (ids ascending, their canonical forms beside them) after the locked `head`, moves the
 * head row and records the run in `log_chain_batches`: extending the log's last run when these ids all
 * follow it, so a single writer leaves one run per log however many batches it writes.
 */
export async function appendToChain(
  tx: Transaction<Database>,
  log: ChainedLog,
  head: ChainHead,
  ids: readonly string[],
  canonicals: readonly string[],
): Promise<ChainedRun> {
  const first = head.count + 1;
  const hashes = new Array<string>(canonicals.length);
  let previous = head.head;
  for (let i = 0; i < canonicals.length; i++) previous = hashes[i] = nextHeadHex(previous, canonicals[i]!);
  if (ids.length === 0) return { first, hashes };
  const last = head.count + ids.length;
  await tx
    .updateTable('log_chain_heads')
    .set({ count: last, head: Buffer.from(previous, 'hex') })
    .where('log', '=', log)
    .execute();
  head.count = last;
  head.head = previous;
  await recordRun(tx, log, first, last, ids[0]!, ids.at(-1)!);
  return { first, hashes };
}

async function recordRun(
  tx: Transaction<Database>,
  log: ChainedLog,
  firstSeq: number,
  lastSeq: number,
  firstId: string,
  lastId: string,
): Promise<void> {
  const previous = await tx
    .selectFrom('log_chain_batches')
    .select(['first_seq', 'last_seq', 'last_id'])
    .where('log', '=', log)
    .orderBy('first_seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (previous && Number(previous.last_seq) === firstSeq - 1 && previous.last_id < firstId) {
    await tx
      .updateTable('log_chain_batches')
      .set({ last_seq: lastSeq, last_id: lastId })
      .where('log', '=', log)
      .where('first_seq', '=', previous.first_seq)
      .execute();
    return;
  }
  await tx
    .insertInto('log_chain_batches')
    .values({ log, first_seq: firstSeq, last_seq: lastSeq, first_id: firstId, last_id: lastId })
    .execute();
}

/**
 * With integrity off: records in the writing transaction that `log` now holds unchained entries with
 * ids from `fromId` on, for the next server with integrity on to seal. One small statement per batch
 * and log, rather than an index of unchained rows that every entry would pay for.
 */
export async function markUnsealed(tx: Executor, log: ChainedLog, fromId: string): Promise<void> {
  const lower = isPostgres(tx) ? sql`least` : sql`min`;
  await tx
    .insertInto('log_chain_unsealed')
    .values({ log, from_id: fromId, marks: 1 })
    .onConflict((oc) =>
      oc.column('log').doUpdateSet({
        from_id: sql<string>`${lower}(${sql.ref('log_chain_unsealed.from_id')}, ${sql.ref('excluded.from_id')})`,
        marks: sql<number>`${sql.ref('log_chain_unsealed.marks')} + 1`,
      }),
    )
    .execute();
}
