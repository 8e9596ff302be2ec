import type { Transaction } from 'kysely';
import { arrayRows, hexOf } from '../../db/array-rows.js';
import type { ChainColumns, Database } from '../../db/schema.js';
import type { ApiCallRecord, BlockedRecord } from '../log-entry.js';
import { timestampOfId } from '../log-entry.js';
import { idFromHex, idToBytes } from '../request-log.codec.js';
import { appendToChain, createSaltCache, lockChainHead } from './chain-append.js';
import {
  apiCallChain,
  canonicalApiCall,
  canonicalBlocked,
  privateCommitmentHex,
  saltDay,
  type ChainedLog,
} from './chain.js';

type Chainable<T> = T & ChainColumns;
type ApiCallEntry = Chainable<ApiCallRecord>;
type BlockedEntry = Chainable<BlockedRecord>;

const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

function sortedById<T extends { id: string }>(rows: T[]): T[] {
  for (let i = 1; i < rows.length; i++) if (rows[i - 1]!.id > rows[i]!.id) return rows.sort(byId);
  return rows;
}

/**
 * The ids of a batch already stored: a batch replayed after its first attempt committed (a writer
 * thread that died before answering) must not take positions again, or the chain would hold positions
 * no entry fills. One range read per table; past a first attempt it usually finds nothing.
 */
async function storedIds(
  tx: Transaction<Database>,
  table: 'api_call_log' | 'blocked_log',
  rows: readonly { id: string }[],
): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  let low = rows[0]!.id;
  let high = low;
  for (const row of rows) {
    if (row.id < low) low = row.id;
    if (row.id > high) high = row.id;
  }
  const found = await arrayRows(
    tx,
    tx
      .selectFrom(table)
      .select(hexOf(tx, 'id').as('id'))
      .where('id', '>=', idToBytes(low))
      .where('id', '<=', idToBytes(high)),
  );
  return new Set(found.map((row) => idFromHex('log', row[0] as string)));
}

/**
 * Chains the entries of one request-log batch inside its insert transaction: each API call joins
 * `api_calls` or `failed_api_calls` by its status, each blocked request `blocked`, in id order within
 * the batch. Sets `chain_seq` and `chain_hash` on the rows (null on a row already stored, which the
 * idempotent insert skips). One per database connection: it remembers the day salts.
 */
export function createRequestLogChainer() {
  const salts = createSaltCache();

  async function chainLog<T extends { id: string; ip: string | null; user_agent: string | null }>(
    tx: Transaction<Database>,
    log: ChainedLog,
    rows: Chainable<T>[],
    canonical: (row: T, commitment: string) => string,
  ): Promise<void> {
    if (rows.length === 0) return;
    const head = await lockChainHead(tx, log);
    const days = new Set<string>();
    let lastDay = '';
    const rowDays = rows.map((row) => {
      const day = saltDay(timestampOfId(row.id));
      if (day !== lastDay) days.add((lastDay = day));
      return day;
    });
    const daySalts = await salts.salts(tx, log, days);
    const ids = new Array<string>(rows.length);
    const canonicals = new Array<string>(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      const commitment = privateCommitmentHex(daySalts.get(rowDays[i]!)!, row.id, [row.ip, row.user_agent]);
      ids[i] = row.id;
      canonicals[i] = canonical(row, commitment);
    }
    const run = await appendToChain(tx, log, head, ids, canonicals);
    for (let i = 0; i < rows.length; i++) {
      rows[i]!.chain_seq = run.first + i;
      rows[i]!.chain_hash = Buffer.from(run.hashes[i]!, 'hex');
    }
  }

  return {
    async chain(tx: Transaction<Database>, apiCalls: ApiCallEntry[], blocked: BlockedEntry[]): Promise<void> {
      const storedCalls = await storedIds(tx, 'api_call_log', apiCalls);
      const storedBlocked = await storedIds(tx, 'blocked_log', blocked);
      const succeeded: ApiCallEntry[] = [];
      const failed: ApiCallEntry[] = [];
      const newBlocked: BlockedEntry[] = [];
      for (const row of apiCalls) {
        row.chain_seq = null;
        row.chain_hash = null;
        if (storedCalls.has(row.id)) continue;
        (apiCallChain(row.status) === 'api_calls' ? succeeded : failed).push(row);
      }
      for (const row of blocked) {
        row.chain_seq = null;
        row.chain_hash = null;
        if (!storedBlocked.has(row.id)) newBlocked.push(row);
      }
      // In CHAINED_LOGS order (chain-append.ts).
      await chainLog(tx, 'api_calls', sortedById(succeeded), canonicalApiCall);
      await chainLog(tx, 'failed_api_calls', sortedById(failed), canonicalApiCall);
      await chainLog(tx, 'blocked', sortedById(newBlocked), canonicalBlocked);
    },
  };
}

export type RequestLogChainer = ReturnType<typeof createRequestLogChainer>;
