import type { Executor } from '../../db/database.js';
import type { RequestLogRepository } from '../request-log.repository.js';
import type { IdRange } from './entry-reads.js';
import { clearLateBucket, type LateMark } from './late-entries.js';
import {
  countDelta,
  countsWithCoarser,
  foldApiCalls,
  foldBlocked,
  latenciesWithCoarser,
  type Counted,
} from './rollup-fold.js';
import type { RolledLog, RollupRepository, RollupState } from './rollup.repository.js';
import { MINUTE, TEN_MINUTES, idBytesAt, msOfMinute } from './time-buckets.js';

/** The id right after `id` in byte order: an exclusive bound that includes `id`. */
function nextId(id: Buffer): Buffer {
  const next = Buffer.from(id);
  for (let i = next.length - 1; i >= 0; i--) {
    if (next[i]! < 0xff) {
      next[i]!++;
      return next;
    }
    next[i] = 0;
  }
  return next;
}

/** The part of a ten-minute bucket the fold has passed (ids up to the watermark); null if none. */
function foldedPart(tenMinutes: number, state: RollupState): IdRange | null {
  const start = idBytesAt(msOfMinute(tenMinutes));
  if (Buffer.compare(state.lastId, start) < 0) return null;
  const end = idBytesAt(msOfMinute(tenMinutes + TEN_MINUTES));
  const afterWatermark = nextId(state.lastId);
  return { from: start, before: Buffer.compare(afterWatermark, end) < 0 ? afterWatermark : end };
}

/**
 * Makes a marked ten-minute bucket's rollups exactly what its entries up to the watermark sum to: the
 * finest rows are counted again from the entries and only the differences are added, at every level.
 * Run twice, the second run adds nothing; entries past the watermark are left to the fold. Returns the
 * bucket when something changed (its hour's summary is then stale), else null.
 */
export async function refoldLateBucket(
  deps: { entries: RequestLogRepository; rollups: RollupRepository; pageSize: number },
  log: RolledLog,
  mark: LateMark,
  state: RollupState,
  tx: Executor,
): Promise<boolean> {
  const { entries, rollups, pageSize } = deps;
  const range = foldedPart(mark.bucket, state);
  let changed = false;
  if (range) {
    const read: (r: IdRange, limit: number, tx: Executor) => Promise<{ id: Buffer }[]> =
      log === 'api_calls' ? entries.apiCallsForRollup : entries.blockedForRollup;
    const rows: { id: Buffer }[] = [];
    for (let page = range; ;) {
      const next = await read(page, pageSize, tx);
      rows.push(...next);
      if (next.length < pageSize) break;
      page = { after: next.at(-1)!.id, before: range.before };
    }
    const stored = await rollups.finestRows(log, mark.bucket, tx);
    const storedCounts = stored.counts as unknown as Counted[];
    if (log === 'api_calls') {
      const fresh = foldApiCalls(rows as unknown as Parameters<typeof foldApiCalls>[0]);
      const counts = countDelta(
        fresh.counts.filter((r) => r.span === MINUTE),
        storedCounts,
        ['count'],
      );
      const latencies = countDelta(
        fresh.latencies.filter((r) => r.span === TEN_MINUTES),
        stored.latencies as unknown as Counted[],
        ['count', 'failures'],
      );
      await rollups.addApiCalls(countsWithCoarser(counts), tx);
      await rollups.addLatencies(latenciesWithCoarser(latencies), tx);
      changed = counts.length > 0 || latencies.length > 0;
    } else {
      const fresh = foldBlocked(rows as unknown as Parameters<typeof foldBlocked>[0]);
      const counts = countDelta(
        fresh.filter((r) => r.span === MINUTE),
        storedCounts,
        ['count'],
      );
      await rollups.addBlocked(countsWithCoarser(counts), tx);
      changed = counts.length > 0;
    }
  }
  await clearLateBucket(tx, log, mark);
  return changed;
}
