import { PostgresAdapter } from 'kysely';
import type { Db, Executor } from '../../db/database.js';
import type { ChainedLog } from './chain.js';
import type { SignedCheckpoint } from './checkpoint.js';

/** A chain's state as log_chain_heads holds it, hashes in hex. */
export interface ChainHeadRow {
  count: number;
  head: string;
  retained_from: number;
  retained_after: string;
}

export interface CheckpointRange {
  log?: ChainedLog;
  /** ISO 8601: checkpoints whose `end` is at or after this. */
  from?: string;
  /** ISO 8601: checkpoints whose `end` is at or before this. */
  to?: string;
  /** Continue after this checkpoint (checkpoints come by log, then newest first). */
  after?: { log: string; number: number };
  limit: number;
}

const COLUMNS = [
  'log',
  'number',
  'count',
  'head',
  'retained_from',
  'retained_after',
  'end',
  'previous',
  'key',
  'signature',
] as const;

function checkpointOf(row: Record<(typeof COLUMNS)[number], unknown>): SignedCheckpoint {
  return {
    log: row.log as ChainedLog,
    number: Number(row.number),
    count: Number(row.count),
    head: row.head as string,
    retained_from: Number(row.retained_from),
    retained_after: row.retained_after as string,
    end: new Date(row.end as string).toISOString(),
    previous: (row.previous as string | null) ?? null,
    key: row.key as string,
    signature: row.signature as string,
  };
}

export function createCheckpointRepository(db: Db) {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  return {
    /**
     * The chain's head row, locked until the transaction ends: no writer can commit an entry between
     * this read and the checkpoint's insert (SQLite's `begin immediate` already holds every writer off).
     */
    async lockHead(log: ChainedLog, tx: Executor): Promise<ChainHeadRow | undefined> {
      let query = tx
        .selectFrom('log_chain_heads')
        .select(['count', 'head', 'retained_from', 'retained_after'])
        .where('log', '=', log);
      if (postgres) query = query.forUpdate();
      const row = await query.executeTakeFirst();
      return row && headOf(row);
    },

    async readHead(log: ChainedLog, tx: Executor = db): Promise<ChainHeadRow | undefined> {
      const row = await tx
        .selectFrom('log_chain_heads')
        .select(['count', 'head', 'retained_from', 'retained_after'])
        .where('log', '=', log)
        .executeTakeFirst();
      return row && headOf(row);
    },

    async latest(log: ChainedLog, tx: Executor = db): Promise<SignedCheckpoint | undefined> {
      const row = await tx
        .selectFrom('log_checkpoints')
        .select(COLUMNS)
        .where('log', '=', log)
        .orderBy('number', 'desc')
        .limit(1)
        .executeTakeFirst();
      return row && checkpointOf(row);
    },

    async insert(checkpoint: SignedCheckpoint, tx: Executor = db): Promise<void> {
      await tx.insertInto('log_checkpoints').values(checkpoint).execute();
    },

    /** By log (in name order), each log newest first: the order the verifier walks them. */
    async list(range: CheckpointRange, tx: Executor = db): Promise<SignedCheckpoint[]> {
      let query = tx.selectFrom('log_checkpoints').select(COLUMNS);
      if (range.log) query = query.where('log', '=', range.log);
      if (range.from) query = query.where('end', '>=', range.from);
      if (range.to) query = query.where('end', '<=', range.to);
      const after = range.after;
      if (after) {
        query = query.where((eb) =>
          eb.or([
            eb('log', '>', after.log),
            eb.and([eb('log', '=', after.log), eb('number', '<', after.number)]),
          ]),
        );
      }
      const rows = await query.orderBy('log').orderBy('number', 'desc').limit(range.limit).execute();
      return rows.map(checkpointOf);
    },
  };
}

function headOf(row: { count: number; head: Buffer; retained_from: number; retained_after: Buffer }) {
  return {
    count: Number(row.count),
    head: Buffer.from(row.head).toString('hex'),
    retained_from: Number(row.retained_from),
    retained_after: Buffer.from(row.retained_after).toString('hex'),
  };
}

export type CheckpointRepository = ReturnType<typeof createCheckpointRepository>;
