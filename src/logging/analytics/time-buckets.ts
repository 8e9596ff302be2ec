/** Bucket lengths in minutes: the rollup levels. Days start at midnight UTC (minutes since the epoch). */
export const MINUTE = 1;
export const TEN_MINUTES = 10;
export const HOUR = 60;
export const SIX_HOURS = 360;
export const DAY = 1440;
/** The levels of the count rollups: a week's window is a few days, a few quarter-days, then hours and minutes. */
export const COUNT_SPANS = [MINUTE, HOUR, SIX_HOURS, DAY];
/**
 * Response-time histograms start at ten minutes: per minute they would outnumber the entries (one
 * row per endpoint and latency bucket); a window's edges under ten minutes are summed by the store.
 */
export const LATENCY_SPANS = [TEN_MINUTES, HOUR, SIX_HOURS, DAY];
export const SPANS = { minute: MINUTE, hour: HOUR, day: DAY } as const;
export type BucketName = keyof typeof SPANS;

const MS_PER_MINUTE = 60_000;

export const minuteOf = (ms: number): number => Math.floor(ms / MS_PER_MINUTE);
export const msOfMinute = (minute: number): number => minute * MS_PER_MINUTE;

/** Whole buckets of one level: `span` minutes each, starting at `first`, up to `end` (exclusive). */
export interface RollupPiece {
  span: number;
  first: number;
  end: number;
}

/** A window cut into whole buckets read from rollups and the uneven edges read from the entries. */
export interface WindowPlan {
  pieces: RollupPiece[];
  /** Where the whole buckets begin and end (ms); equal when there are none. */
  alignedFrom: number;
  alignedTo: number;
  /** Millisecond ranges [from, to) answered from the entries themselves. */
  edges: [number, number][];
}

/**
 * Cuts [fromMs, toMs) into the largest whole buckets the levels allow (largest first), so a week is
 * a few days, some hours at either side and minutes at the very ends; what is left is under a minute
 * at each end (or under the smallest level) and is read from the entries.
 */
export function planWindow(fromMs: number, toMs: number, spans: readonly number[]): WindowPlan {
  const pieces: RollupPiece[] = [];
  const edges: [number, number][] = [];
  const levels = [...spans].sort((a, b) => b - a);
  const cut = (from: number, to: number, level: number): void => {
    if (from >= to) return;
    const span = levels[level];
    if (span === undefined) {
      edges.push([from, to]);
      return;
    }
    const size = span * MS_PER_MINUTE;
    const first = Math.ceil(from / size) * size;
    const end = Math.floor(to / size) * size;
    if (first >= end) {
      cut(from, to, level + 1);
      return;
    }
    pieces.push({ span, first: minuteOf(first), end: minuteOf(end) });
    cut(from, first, level + 1);
    cut(end, to, level + 1);
  };
  cut(fromMs, toMs, 0);
  edges.sort((a, b) => a[0] - b[0]);
  if (pieces.length === 0) return { pieces, alignedFrom: fromMs, alignedTo: fromMs, edges };
  return {
    pieces,
    alignedFrom: msOfMinute(Math.min(...pieces.map((p) => p.first))),
    alignedTo: msOfMinute(Math.max(...pieces.map((p) => p.end))),
    edges,
  };
}

/** The time part of a 16-byte log id (a ULID's first 48 bits are its milliseconds). */
export const msOfIdBytes = (id: Uint8Array): number =>
  Buffer.from(id.buffer, id.byteOffset, 6).readUIntBE(0, 6);

/** The smallest 16-byte id of a millisecond: a time range becomes a primary-key range. */
export function idBytesAt(ms: number): Buffer {
  const bytes = Buffer.alloc(16);
  bytes.writeUIntBE(Math.max(0, ms), 0, 6);
  return bytes;
}
