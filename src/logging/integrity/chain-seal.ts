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

interface Unsealed {
  from_id: string;
  marks: number;
}

/**
 * One page of unchained entries after `after` (the last id sealed, or the marker's start), chained in
 * id order after the locked head. Returns the last id sealed and how many, or null when none was left, in which case
 * the marker goes in the same transaction unless a writer marked the log meanwhile.
 */
async function sealPage(
  tx: Transaction<Database>,
  log: ChainedLog,
  salts: SaltCache,
  unsealed: Unsealed,
  after: string | null,
): Promise<{ last: string; count: number } | null> {
  const head = await lockChainHead(tx, log);
  const table = TABLE_OF[log];
  const reader = readerOf(log);
  let query = tx
    .selectFrom(table)
    .select(reader.columns(tx) as never)
    .where('chain_seq', 'is', null);
  if (after !== null) query = query.where('id', '>', reader.idBound(after) as never);
  else if (unsealed.from_id !== '')
    query = query.where('id', '>=', reader.idBound(unsealed.from_id) as never);
  if (reader.where) query = query.where(reader.where);
  const rows = await arrayRows(tx, query.orderBy('id').limit(PAGE));
  if (rows.length === 0) {
    await tx
      .deleteFrom('log_chain_unsealed')
      .where('log', '=', log)
      .where('marks', '=', unsealed.marks)
      .execute();
    return null;
  }
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
  return { last: entries.at(-1)!.id, count: entries.length };
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

/** Chains every unchained entry of `log`, from where log_chain_unsealed says; returns how many. */
export async function sealUnchainedEntries(
  db: Db,
  log: ChainedLog,
  salts = createSaltCache(),
): Promise<number> {
  const unsealed = await db
    .selectFrom('log_chain_unsealed')
    .select(['from_id', 'marks'])
    .where('log', '=', log)
    .executeTakeFirst();
  if (!unsealed) return 0;
  const marker = { from_id: unsealed.from_id, marks: Number(unsealed.marks) };
  let total = 0;
  let after: string | null = null;
  for (;;) {
    const from: string | null = after;
    const page: { last: string; count: number } | null = await db
      .transaction()
      .execute((tx) => sealPage(tx, log, salts, marker, from));
    if (page === null) return total;
    after = page.last;
    total += page.count;
  }
}

/** sealUnchainedEntries for every log, as a server with integrity on does when it starts. */
export async function sealAllUnchainedEntries(db: Db): Promise<Record<ChainedLog, number>> {
  const salts = createSaltCache();
  const sealed = {} as Record<ChainedLog, number>;
  for (const log of CHAINED_LOGS) sealed[log] = await sealUnchainedEntries(db, log, salts);
  return sealed;
}
