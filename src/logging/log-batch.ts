import type { Db } from '../db/database.js';
import type { JournalRead, Position } from './journal.js';
import { markUnsealed } from './integrity/chain-append.js';
import type { RequestLogChainer } from './integrity/request-log-chain.js';
import type { ApiCallRecord, JournalRecord } from './log-entry.js';
import type { ApiCallInsert, BlockedRow, RequestLogRepository } from './request-log.repository.js';

export type LogName = 'api_calls' | 'failed_api_calls' | 'blocked';
export const LOG_NAMES: readonly LogName[] = ['api_calls', 'failed_api_calls', 'blocked'];

export function logOf(record: JournalRecord): LogName {
  if (record.log === 'blocked') return 'blocked';
  return record.row.status >= 400 ? 'failed_api_calls' : 'api_calls';
}

/** A batch the store took: where the journal may commit to, and which log each line belonged to. */
export interface WrittenBatch {
  end: Position;
  /** How many of the lines (the first ones) an earlier process left behind. */
  leftover: number;
  /** Per line, in order: an index into LOG_NAMES (compact enough to post between threads). */
  logs: Uint8Array;
}

export interface BatchTarget {
  db: Db;
  repository: RequestLogRepository;
  /** Present when log integrity is on: entries join their chains in the insert's transaction. */
  chainer?: RequestLogChainer | null;
}

/**
 * The batch's own rows, just parsed, with the licence-key hash made bytes in place rather than each row
 * copied. A retried batch is parsed again from the journal, so nothing sees the rows afterwards.
 */
function withHashBytes(rows: ApiCallRecord[]): ApiCallInsert[] {
  for (const row of rows) {
    const hash = row.license_key_hash;
    (row as unknown as ApiCallInsert).license_key_hash = hash ? Buffer.from(hash, 'hex') : null;
  }
  return rows as unknown as ApiCallInsert[];
}

/** Parses journal lines and inserts them in one transaction (idempotent on the entry ids). */
export async function writeBatch(read: JournalRead, target: BatchTarget): Promise<WrittenBatch> {
  const apiCalls: ApiCallRecord[] = [];
  const blocked: BlockedRow[] = [];
  const logs = new Uint8Array(read.lines.length);
  // The smallest id of each log in the batch: where an unchained stretch starts (integrity off).
  const firstIds: (string | null)[] = LOG_NAMES.map(() => null);
  read.lines.forEach((line, i) => {
    const record = JSON.parse(line) as JournalRecord;
    const log = (logs[i] = LOG_NAMES.indexOf(logOf(record)));
    const first = firstIds[log];
    if (first === null || record.row.id < first!) firstIds[log] = record.row.id;
    if (record.log === 'blocked') blocked.push(record.row);
    else apiCalls.push(record.row);
  });
  const { chainer } = target;
  await target.db.transaction().execute(async (tx) => {
    // The canonical form holds the licence-key hash as hex: chained before it becomes bytes.
    if (chainer) await chainer.chain(tx, apiCalls, blocked);
    await target.repository.insertBatch(withHashBytes(apiCalls), blocked, tx, Boolean(chainer));
    if (chainer) return;
    for (let log = 0; log < LOG_NAMES.length; log++) {
      const first = firstIds[log];
      if (first !== null) await markUnsealed(tx, LOG_NAMES[log]!, first!);
    }
  });
  return { end: read.end, leftover: read.leftover, logs };
}
