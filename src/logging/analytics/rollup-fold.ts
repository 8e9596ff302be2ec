import type { ApiCallRollupRow, BlockedRollupRow } from '../request-log.repository.js';
import { latencyBucket } from './latency.js';
import { DAY, HOUR, MINUTE, minuteOf, msOfIdBytes } from './time-buckets.js';

const COUNT_SPANS = [MINUTE, HOUR, DAY];
// Per minute the histograms would outnumber the entries; edges under an hour read the entries.
const LATENCY_SPANS = [HOUR, DAY];

const floorTo = (minute: number, span: number) => minute - (minute % span);

/** Adds one batch of entries to in-memory rollup rows, one per key, ready to upsert. */
export function foldApiCalls(rows: readonly ApiCallRollupRow[]) {
  const counts = new Map<string, Record<string, unknown> & { count: number }>();
  const latencies = new Map<string, Record<string, unknown> & { count: number; failures: number }>();
  for (const row of rows) {
    const minute = minuteOf(msOfIdBytes(row.id));
    const endpoint = row.endpoint ?? '';
    const errorCode = row.error_code ?? '';
    for (const span of COUNT_SPANS) {
      const bucket = floorTo(minute, span);
      const key = `${span}|${bucket}|${endpoint}|${row.method}|${row.status}|${errorCode}|${row.channel}`;
      const found = counts.get(key);
      if (found) found.count++;
      else {
        counts.set(key, {
          span,
          bucket,
          endpoint,
          method: row.method,
          status: row.status,
          error_code: errorCode,
          channel: row.channel,
          count: 1,
        });
      }
    }
    const latency = latencyBucket(row.response_time_us);
    const failed = row.status >= 400 ? 1 : 0;
    for (const span of LATENCY_SPANS) {
      const bucket = floorTo(minute, span);
      const key = `${span}|${bucket}|${endpoint}|${latency}`;
      const found = latencies.get(key);
      if (found) {
        found.count++;
        found.failures += failed;
      } else {
        latencies.set(key, { span, bucket, endpoint, latency_bucket: latency, count: 1, failures: failed });
      }
    }
  }
  return { counts: [...counts.values()], latencies: [...latencies.values()] };
}

export function foldBlocked(rows: readonly BlockedRollupRow[]) {
  const counts = new Map<string, Record<string, unknown> & { count: number }>();
  for (const row of rows) {
    const minute = minuteOf(msOfIdBytes(row.id));
    for (const span of COUNT_SPANS) {
      const bucket = floorTo(minute, span);
      const key = `${span}|${bucket}|${row.block_reason}|${row.method}`;
      const found = counts.get(key);
      if (found) found.count++;
      else counts.set(key, { span, bucket, block_reason: row.block_reason, method: row.method, count: 1 });
    }
  }
  return [...counts.values()];
}
