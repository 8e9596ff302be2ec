import type { ApiCallRollupRow, BlockedRollupRow } from './entry-reads.js';
import { latencyBucket } from './latency.js';
import { COUNT_SPANS, LATENCY_SPANS, MINUTE, TEN_MINUTES, minuteOf, msOfIdBytes } from './time-buckets.js';

export type Counted = Record<string, string | number> & { span: number; bucket: number; count: number };

const floorTo = (minute: number, span: number) => minute - (minute % span);

/**
 * Sums the finest rows into each coarser span: every entry is keyed once (per minute, or per ten
 * minutes for latencies) and the hours and days are built from those sums.
 */
function rollUp<R extends Counted>(finest: readonly R[], spans: number[], sums: (keyof R)[]): R[] {
  const out: R[] = [];
  for (const span of spans) {
    const coarser = new Map<string, R>();
    for (const row of finest) {
      const bucket = floorTo(row.bucket, span);
      const key = `${bucket}|${Object.entries(row)
        .filter(([k]) => k !== 'span' && k !== 'bucket' && !sums.includes(k))
        .map(([, v]) => v)
        .join('|')}`;
      const found = coarser.get(key);
      if (found) for (const s of sums) (found[s] as number) += row[s] as number;
      else coarser.set(key, { ...row, span, bucket });
    }
    out.push(...coarser.values());
  }
  return out;
}

/** Adds one batch of entries to in-memory rollup rows, one per key, ready to upsert. */
export function foldApiCalls(rows: readonly ApiCallRollupRow[]) {
  const counts = new Map<string, Counted>();
  const latencies = new Map<string, Counted & { failures: number }>();
  for (const row of rows) {
    const minute = minuteOf(msOfIdBytes(row.id));
    const endpoint = row.endpoint_id ?? 0;
    const errorCode = row.error_code ?? '';
    const key = `${minute}|${endpoint}|${row.method}|${row.status}|${errorCode}|${row.channel}`;
    const found = counts.get(key);
    if (found) found.count++;
    else {
      counts.set(key, {
        span: MINUTE,
        bucket: minute,
        endpoint_id: endpoint,
        method: row.method,
        status: row.status,
        error_code: errorCode,
        channel: row.channel,
        count: 1,
      });
    }
    const latency = latencyBucket(row.response_time_us);
    const failed = row.status >= 400 ? 1 : 0;
    const tenMinutes = floorTo(minute, TEN_MINUTES);
    const latencyKey = `${tenMinutes}|${endpoint}|${latency}`;
    const seen = latencies.get(latencyKey);
    if (seen) {
      seen.count++;
      seen.failures += failed;
    } else {
      latencies.set(latencyKey, {
        span: TEN_MINUTES,
        bucket: tenMinutes,
        endpoint_id: endpoint,
        latency_bucket: latency,
        count: 1,
        failures: failed,
      });
    }
  }
  return {
    counts: countsWithCoarser([...counts.values()]),
    latencies: latenciesWithCoarser([...latencies.values()]),
  };
}

/** Minute counts (API calls or blocked requests) and their sums per hour, quarter-day and day. */
export const countsWithCoarser = (minutes: Counted[]): Counted[] => [
  ...minutes,
  ...rollUp(
    minutes,
    COUNT_SPANS.filter((s) => s > MINUTE),
    ['count'],
  ),
];

/** Ten-minute response-time histograms and their sums per hour, quarter-day and day. */
export const latenciesWithCoarser = (tenMinutes: Counted[]): Counted[] => [
  ...tenMinutes,
  ...rollUp(
    tenMinutes,
    LATENCY_SPANS.filter((s) => s > TEN_MINUTES),
    ['count', 'failures'],
  ),
];

/**
 * What must be added to `stored` rows to make them `fresh` (same keys, one span): the rows whose sums
 * differ, with the differences. Applied by the additive upserts, a refold is idempotent.
 */
export function countDelta(fresh: readonly Counted[], stored: readonly Counted[], sums: string[]): Counted[] {
  const keyOf = (row: Counted) =>
    Object.keys(row)
      .filter((k) => !sums.includes(k))
      .sort()
      .map((k) => String(row[k]))
      .join('|');
  const delta = new Map<string, Counted>();
  for (const [rows, sign] of [
    [fresh, 1],
    [stored, -1],
  ] as const) {
    for (const row of rows) {
      const key = keyOf(row);
      const found = delta.get(key) ?? { ...row, ...Object.fromEntries(sums.map((s) => [s, 0])) };
      for (const s of sums) (found[s] as number) += sign * Number(row[s]);
      delta.set(key, found);
    }
  }
  return [...delta.values()].filter((row) => sums.some((s) => row[s] !== 0));
}

export function foldBlocked(rows: readonly BlockedRollupRow[]) {
  const counts = new Map<string, Counted>();
  for (const row of rows) {
    const minute = minuteOf(msOfIdBytes(row.id));
    const key = `${minute}|${row.block_reason}|${row.method}`;
    const found = counts.get(key);
    if (found) found.count++;
    else
      counts.set(key, {
        span: MINUTE,
        bucket: minute,
        block_reason: row.block_reason,
        method: row.method,
        count: 1,
      });
  }
  return countsWithCoarser([...counts.values()]);
}
