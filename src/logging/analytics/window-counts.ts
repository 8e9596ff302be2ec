import type { Executor } from '../../db/database.js';
import type { RequestLogRepository } from '../request-log.repository.js';
import { latencyBucket } from './latency.js';
import type { ApiCallRollupRow, BlockedRollupRow, IdRange } from './entry-reads.js';
import type { ApiCallFilter, BlockedFilter, RollupRepository, RolledLog } from './rollup.repository.js';
import { idBytesAt, minuteOf, msOfIdBytes, planWindow, type RollupPiece } from './time-buckets.js';

const RAW_PAGE = 50_000;

export interface Window {
  fromMs: number;
  toMs: number;
}

/** Calls (and failed calls) in one response-time bucket of one time bucket (minutes since the epoch). */
export interface LatencyCount {
  bucket: number;
  latency_bucket: number;
  count: number;
  failures: number;
}

/** A sum keyed by the grouped columns; `bucket` is the rollup bucket or the entry's minute. */
export type GroupedCount = Record<string, string | number> & { count: number };

/**
 * The ranges of entries a window must read itself: its uneven edges, and inside the whole buckets the
 * entries the fold has not reached yet (ids past the watermark). The rollups hold exactly the entries
 * up to the watermark, so the two never overlap and the answer is exact and current.
 */
export function rawRanges(plan: ReturnType<typeof planWindow>, lastId: Buffer): IdRange[] {
  const ranges: IdRange[] = plan.edges.map(([from, to]) => ({
    from: idBytesAt(from),
    before: idBytesAt(to),
  }));
  if (plan.alignedTo > plan.alignedFrom) {
    const start = idBytesAt(plan.alignedFrom);
    const end = idBytesAt(plan.alignedTo);
    if (Buffer.compare(lastId, start) < 0) ranges.push({ from: start, before: end });
    else if (Buffer.compare(lastId, end) < 0) ranges.push({ after: lastId, before: end });
  }
  return ranges;
}

async function readAll<R extends { id: Buffer }>(
  range: IdRange,
  read: (range: IdRange, limit: number) => Promise<R[]>,
  each: (row: R) => void,
): Promise<void> {
  let current = range;
  for (;;) {
    const rows = await read(current, RAW_PAGE);
    for (const row of rows) each(row);
    if (rows.length < RAW_PAGE) return;
    current = { after: rows.at(-1)!.id, before: range.before };
  }
}

function add(into: Map<string, GroupedCount>, values: Record<string, string | number>, count: number): void {
  const key = Object.values(values).join('\u0000');
  const found = into.get(key);
  if (found) found.count += count;
  else into.set(key, { ...values, count });
}

function apiCallMatches(row: ApiCallRollupRow, f: ApiCallFilter): boolean {
  return (
    (f.endpointId === undefined || (row.endpoint_id ?? 0) === f.endpointId) &&
    (f.method === undefined || row.method === f.method) &&
    (f.status === undefined || row.status === f.status) &&
    (f.minStatus === undefined || row.status >= f.minStatus) &&
    (f.maxStatus === undefined || row.status <= f.maxStatus) &&
    (f.errorCode === undefined || (row.error_code ?? '') === f.errorCode) &&
    (f.channel === undefined || row.channel === f.channel)
  );
}

const apiCallColumn = {
  bucket: (row: ApiCallRollupRow) => minuteOf(msOfIdBytes(row.id)),
  endpoint_id: (row: ApiCallRollupRow) => row.endpoint_id ?? 0,
  status: (row: ApiCallRollupRow) => row.status,
  error_code: (row: ApiCallRollupRow) => row.error_code ?? '',
};
const blockedColumn = {
  bucket: (row: BlockedRollupRow) => minuteOf(msOfIdBytes(row.id)),
  block_reason: (row: BlockedRollupRow) => row.block_reason,
};

/** Exact sums over any window of the API-call or blocked log, from rollups plus the entries. */
export function createWindowCounts(entries: RequestLogRepository, rollups: RollupRepository) {
  async function sum<Row extends { id: Buffer }>(
    tx: Executor,
    log: RolledLog,
    window: Window,
    spans: readonly number[],
    pieceSums: (piece: RollupPiece) => Promise<GroupedCount[]>,
    read: (range: IdRange, limit: number) => Promise<Row[]>,
    rowValues: (row: Row) => Record<string, string | number> | null,
  ): Promise<{ rolled: GroupedCount[]; raw: GroupedCount[] }> {
    const state = await rollups.readState(log, tx);
    const plan = planWindow(window.fromMs, window.toMs, spans);
    const rolled: GroupedCount[] = [];
    for (const piece of plan.pieces) rolled.push(...(await pieceSums(piece)));
    const raw = new Map<string, GroupedCount>();
    for (const range of rawRanges(plan, state.lastId)) {
      await readAll(range, read, (row) => {
        const values = rowValues(row);
        if (values) add(raw, values, 1);
      });
    }
    return { rolled, raw: [...raw.values()] };
  }

  /** A window's whole buckets and the id ranges the rollups do not cover (edges, unfolded tail). */
  async function coverage(tx: Executor, log: RolledLog, window: Window, spans: readonly number[]) {
    const state = await rollups.readState(log, tx);
    const plan = planWindow(window.fromMs, window.toMs, spans);
    return { pieces: plan.pieces, ranges: rawRanges(plan, state.lastId) };
  }

  return {
    async apiCalls(
      tx: Executor,
      window: Window,
      spans: readonly number[],
      groups: (keyof typeof apiCallColumn)[],
      filter: ApiCallFilter,
    ): Promise<GroupedCount[]> {
      const { rolled, raw } = await sum(
        tx,
        'api_calls',
        window,
        spans,
        async (piece) => (await rollups.sumApiCalls(piece, groups, filter, tx)) as unknown as GroupedCount[],
        (range, limit) => entries.apiCallsForRollup(range, limit, tx),
        (row) =>
          apiCallMatches(row, filter)
            ? Object.fromEntries(groups.map((g) => [g, apiCallColumn[g](row)]))
            : null,
      );
      return [...rolled.map((r) => ({ ...r, count: Number(r.count) })), ...raw];
    },

    async blocked(
      tx: Executor,
      window: Window,
      spans: readonly number[],
      groups: (keyof typeof blockedColumn)[],
      filter: BlockedFilter,
    ): Promise<GroupedCount[]> {
      const { rolled, raw } = await sum(
        tx,
        'blocked',
        window,
        spans,
        async (piece) => (await rollups.blockedQuery(piece, groups, filter, tx).execute()) as GroupedCount[],
        (range, limit) => entries.blockedForRollup(range, limit, tx),
        (row) =>
          (filter.blockReason === undefined || row.block_reason === filter.blockReason) &&
          (filter.method === undefined || row.method === filter.method)
            ? Object.fromEntries(groups.map((g) => [g, blockedColumn[g](row)]))
            : null,
      );
      return [...rolled.map((r) => ({ ...r, count: Number(r.count) })), ...raw];
    },

    /**
     * Response-time histograms per minute or rollup bucket (`bucket`, in minutes): rollups of the given
     * latency spans for whole buckets, the entries themselves for the rest, as `coverage` cuts it.
     */
    async apiCallLatencies(
      tx: Executor,
      window: Window,
      spans: readonly number[],
      endpointId: number | undefined,
    ): Promise<LatencyCount[]> {
      const { pieces, ranges } = await coverage(tx, 'api_calls', window, spans);
      const counted: LatencyCount[] = [];
      for (const piece of pieces) counted.push(...(await rollups.latenciesByBucket(piece, endpointId, tx)));
      const raw = new Map<string, LatencyCount>();
      for (const range of ranges) {
        await readAll(
          range,
          (r, limit) => entries.apiCallsForRollup(r, limit, tx),
          (row) => {
            if (endpointId !== undefined && (row.endpoint_id ?? 0) !== endpointId) return;
            const bucket = minuteOf(msOfIdBytes(row.id));
            const latency_bucket = latencyBucket(row.response_time_us);
            const key = `${bucket}:${latency_bucket}`;
            let found = raw.get(key);
            if (!found) raw.set(key, (found = { bucket, latency_bucket, count: 0, failures: 0 }));
            found.count += 1;
            if (row.status >= 400) found.failures += 1;
          },
        );
      }
      return [...counted, ...raw.values()];
    },

    coverage,
  };
}

export type WindowCounts = ReturnType<typeof createWindowCounts>;
