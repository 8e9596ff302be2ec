import { PostgresAdapter } from 'kysely';
import { createBulkUpsert } from '../../db/bulk-upsert.js';
import type { Executor } from '../../db/database.js';
import type { RolledLog } from './rollup.repository.js';
import { TEN_MINUTES, minuteOf, msOfIdBytes } from './time-buckets.js';

const markBuckets = createBulkUpsert('log_rollup_late', ['log', 'bucket'], ['marks'], 500);

export interface LateMark {
  bucket: number;
  marks: number;
}

/**
 * Called by the log writer in the transaction that stores `ids`: the ten-minute buckets of entries at
 * or below the fold's watermark (a spool replayed after an outage, another process's backlog) are
 * marked for a refold. The watermark is read in the same transaction — SQLite's writes are serialised,
 * and on PostgreSQL the shared lock waits for a fold in progress and holds the next one back until
 * this batch commits — so no entry can pass below the watermark unmarked.
 */
export async function markLateEntries(tx: Executor, log: RolledLog, ids: readonly Buffer[]): Promise<void> {
  if (ids.length === 0) return;
  const postgres = tx.getExecutor().adapter instanceof PostgresAdapter;
  const state = await tx
    .selectFrom('log_rollup_state')
    .select('last_id')
    .where('log', '=', log)
    .$if(postgres, (q) => q.forShare())
    .executeTakeFirst();
  if (!state) return;
  const buckets = new Set<number>();
  for (const id of ids) {
    if (Buffer.compare(id, state.last_id) > 0) continue;
    const minute = minuteOf(msOfIdBytes(id));
    buckets.add(minute - (minute % TEN_MINUTES));
  }
  if (buckets.size === 0) return;
  await markBuckets(
    [...buckets].sort((a, b) => a - b).map((bucket) => ({ log, bucket, marks: 1 })),
    tx,
  );
}

/** The earliest marked buckets of a log. */
export async function lateBuckets(tx: Executor, log: RolledLog, limit: number): Promise<LateMark[]> {
  const rows = await tx
    .selectFrom('log_rollup_late')
    .select(['bucket', 'marks'])
    .where('log', '=', log)
    .orderBy('bucket')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ bucket: r.bucket, marks: Number(r.marks) }));
}

/** Whether a bucket in [first, end) minutes is marked. */
export async function hasLateBucket(tx: Executor, log: RolledLog, first: number, end: number) {
  const row = await tx
    .selectFrom('log_rollup_late')
    .select('bucket')
    .where('log', '=', log)
    .where('bucket', '>=', first)
    .where('bucket', '<', end)
    .executeTakeFirst();
  return row !== undefined;
}

/** Removes a refolded mark unless a batch marked the bucket again meanwhile (then it is refolded again). */
export async function clearLateBucket(tx: Executor, log: RolledLog, mark: LateMark): Promise<void> {
  await tx
    .deleteFrom('log_rollup_late')
    .where('log', '=', log)
    .where('bucket', '=', mark.bucket)
    .where('marks', '=', mark.marks)
    .execute();
}
