import { PostgresAdapter, sql, type Transaction } from 'kysely';
import { arrayRows } from '../../db/array-rows.js';
import type { Db } from '../../db/database.js';
import type { Database } from '../../db/schema.js';
import { appendToChain, createSaltCache, lockChainHead, type SaltCache } from './chain-append.js';
import { CHAINED_LOGS, privateCommitmentHex, type ChainedLog } from './chain.js';
import { readerOf, TABLE_OF } from './chain-reads.js';

/**
 * Chaining entries stored unchained: those from before migration 0010, and those written while
 * integrity was off (ADR 0009, "Entries chained late"). They join after the chain's current head, in
 * id order, a page per transaction so writers wait at most one page. An entry chained late is
 * protected from then on only: what happened to it before is beyond the chain's reach.
 */

const PAGE = 2000;

async function sealPage(tx: Transaction<Database>, log: ChainedLog, salts: SaltCache): Promise<number> {
  const head = await lockChainHead(tx, log);
  const table = TABLE_OF[log];
  const reader = readerOf(log);
  // Only unchained rows: the partial index of migration 0010 holds exactly these, in id order.
  let query = tx
    .selectFrom(table)
    .select(reader.columns(tx) as never)
    .where('chain_seq', 'is', null);
  if (reader.where) query = query.where(reader.where);
  const rows = await arrayRows(tx, query.orderBy('id').limit(PAGE));
  if (rows.length === 0) return 0;
  await reader.prepare?.(tx, rows);
  const daySalts = await salts.salts(tx, log, new Set(rows.map((row) => reader.day(row))));
  const commitment = (day: string, id: string, values: unknown[]) =>
    privateCommitmentHex(daySalts.get(day)!, id, values);
  const entries = rows.map((row) => reader.entry(row, commitment));
  const run = await appendToChain(
    tx,
    log,
    head,
    entries.map((entry) => entry.id),
    entries.map((entry) => entry.canonical),
  );
  await storeLinks(tx, table, rows, run.first, run.hashes);
  return rows.length;
}

/** Sets chain_seq and chain_hash on the rows (column 0 of each is its id as lower-case hex, or text). */
async function storeLinks(
  tx: Transaction<Database>,
  table: (typeof TABLE_OF)[ChainedLog],
  rows: unknown[][],
  first: number,
  hashes: string[],
): Promise<void> {
  const idOf = (row: unknown[]) =>
    table === 'activity_log' ? (row[0] as string) : Buffer.from(row[0] as string, 'hex');
  if (tx.getExecutor().adapter instanceof PostgresAdapter) {
    // One statement per page: a round trip per row would make a large backlog slow to seal.
    const idType = table === 'activity_log' ? sql`text` : sql`bytea`;
    const values = rows.map(
      (row, i) =>
        sql`(${idOf(row)}::${idType}, ${first + i}::bigint, ${Buffer.from(hashes[i]!, 'hex')}::bytea)`,
    );
    await sql`update ${sql.table(table)} as t set chain_seq = v.seq, chain_hash = v.hash
      from (values ${sql.join(values)}) as v(id, seq, hash)
      where t.id = v.id`.execute(tx);
    return;
  }
  for (let i = 0; i < rows.length; i++) {
    await tx
      .updateTable(table)
      .set({ chain_seq: first + i, chain_hash: Buffer.from(hashes[i]!, 'hex') })
      .where('id', '=', idOf(rows[i]!) as never)
      .execute();
  }
}

/** Chains every unchained entry of `log`; returns how many were chained. */
export async function sealUnchainedEntries(
  db: Db,
  log: ChainedLog,
  salts = createSaltCache(),
): Promise<number> {
  let total = 0;
  for (;;) {
    const sealed = await db.transaction().execute((tx) => sealPage(tx, log, salts));
    total += sealed;
    if (sealed < PAGE) return total;
  }
}

/** sealUnchainedEntries for every log, as a server with integrity on does when it starts. */
export async function sealAllUnchainedEntries(db: Db): Promise<Record<ChainedLog, number>> {
  const salts = createSaltCache();
  const sealed = {} as Record<ChainedLog, number>;
  for (const log of CHAINED_LOGS) sealed[log] = await sealUnchainedEntries(db, log, salts);
  return sealed;
}
