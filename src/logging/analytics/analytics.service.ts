import type { Db, Executor } from '../../db/database.js';
import { validationError } from '../../http/errors.js';
import type { Clock } from '../../shared/clock.js';
import { dictionaryCode, dictionaryTexts } from '../log-dictionary.js';
import { CHANNELS, methodCode } from '../log-entry.js';
import type { RequestLogRepository } from '../request-log.repository.js';
import type { AnalyticsLog } from './entry-reads.js';
import type {
  AuthFailures,
  EndpointStats,
  LatencySeries,
  LatencySeriesQuery,
  Summary,
  Timeseries,
  TimeseriesQuery,
  TopQuery,
  TopValues,
  WindowQuery,
} from './analytics.schemas.js';
import { percentile } from './latency.js';
import type { ApiCallFilter, RollupRepository } from './rollup.repository.js';
import { COUNT_SPANS, LATENCY_SPANS, SPANS, msOfMinute, type BucketName } from './time-buckets.js';
import { createValueCounts } from './value-counts.js';
import { createWindowCounts, type Window } from './window-counts.js';

export type AnalysedLog = 'api-calls' | 'failed-api-calls' | 'blocked';

const DEFAULT_WINDOW_MS = 24 * 3600_000;
/** Points in one series at most: a month of minutes is a request for a larger bucket. */
const MAX_POINTS = 2_000;
/** The answers a failed authentication gets (the contract's list, sessions and logins included). */
export const AUTH_FAILURE_CODES = [
  'ERR_UNAUTHENTICATED',
  'ERR_INVALID_API_KEY',
  'ERR_API_KEY_EXPIRED',
  'ERR_API_KEY_REVOKED',
  'ERR_INVALID_CREDENTIALS',
  'ERR_SESSION_EXPIRED',
  'ERR_INSUFFICIENT_SCOPE',
];

/** A code no dictionary gives: a filter on a route pattern never logged matches nothing. */
const NO_CODE = -1;

const logKey = (log: AnalysedLog): AnalyticsLog =>
  log === 'api-calls' ? 'api_calls' : log === 'failed-api-calls' ? 'failed_api_calls' : 'blocked';

/** The query's filters on the rollup columns; a route pattern as its code, read in the answer's snapshot. */
async function apiCallFilter(
  tx: Executor,
  log: AnalysedLog,
  query: Partial<TimeseriesQuery>,
): Promise<ApiCallFilter> {
  const filter: ApiCallFilter = {};
  if (query.endpoint !== undefined) {
    filter.endpointId = (await dictionaryCode(tx, 'log_endpoints', query.endpoint)) ?? NO_CODE;
  }
  if (query.method !== undefined) filter.method = methodCode(query.method);
  if (query.status !== undefined) filter.status = query.status;
  if (query.status_class !== undefined) {
    filter.minStatus = Number(query.status_class[0]) * 100;
    filter.maxStatus = filter.minStatus + 99;
  }
  if (query.error_code !== undefined) filter.errorCode = query.error_code;
  if (query.channel !== undefined) filter.channel = (CHANNELS as readonly string[]).indexOf(query.channel);
  if (log === 'failed-api-calls') filter.minStatus = Math.max(filter.minStatus ?? 0, 400);
  return filter;
}

const rate = (part: number, whole: number) => (whole === 0 ? null : Math.round((part / whole) * 1e6) / 1e6);

/**
 * Analytics over the request logs: rollups for whole buckets, the entries themselves for the uneven
 * edges and for what the fold has not reached yet, read in one snapshot. Counts and rates are exact;
 * percentiles, top addresses / licence keys / user agents and unique addresses carry the bounds
 * documented in ADR 0008.
 */
export function createAnalyticsService(deps: {
  db: Db;
  entries: RequestLogRepository;
  rollups: RollupRepository;
  clock: Clock;
}) {
  const { db, entries, rollups, clock } = deps;
  const counts = createWindowCounts(entries, rollups);
  const valueCounts = createValueCounts(entries, rollups);

  function windowOf(query: { from?: string; to?: string }): Window {
    const toMs = query.to ? new Date(query.to).getTime() : clock.now().getTime();
    const fromMs = query.from ? new Date(query.from).getTime() : toMs - DEFAULT_WINDOW_MS;
    if (fromMs >= toMs) throw validationError([{ field: 'to', message: 'must be after from' }]);
    return { fromMs, toMs };
  }
  const range = (w: Window) => ({
    from: new Date(w.fromMs).toISOString(),
    to: new Date(w.toMs).toISOString(),
  });
  // One snapshot: the watermark, the rollups and the entries past it must agree (PostgreSQL's default
  // isolation would let a fold commit between two reads and count its entries twice).
  const snapshot = <T>(fn: (tx: Executor) => Promise<T>): Promise<T> =>
    db.transaction().setIsolationLevel('repeatable read').execute(fn);

  /** The series' buckets: whole UTC buckets from the one holding `from` to the one holding `to`. */
  function seriesOf(w: Window, name: BucketName = 'hour') {
    const span = SPANS[name];
    const firstBucket = Math.floor(w.fromMs / 60_000 / span) * span;
    const points = Math.ceil((w.toMs / 60_000 - firstBucket) / span);
    if (points > MAX_POINTS) {
      throw validationError([
        { field: 'bucket', message: `the window holds ${points} buckets; at most ${MAX_POINTS}` },
      ]);
    }
    return { bucket: name, span, firstBucket, points };
  }

  return {
    async timeseries(log: AnalysedLog, query: TimeseriesQuery): Promise<Timeseries> {
      const w = windowOf(query);
      const { bucket, span, firstBucket, points } = seriesOf(w, query.bucket);
      const spans = COUNT_SPANS.filter((s) => s <= span);
      const rows = await snapshot(async (tx) =>
        log === 'blocked'
          ? counts.blocked(tx, w, spans, ['bucket'], {
              blockReason: query.block_reason,
              method: query.method === undefined ? undefined : methodCode(query.method),
            })
          : counts.apiCalls(tx, w, spans, ['bucket'], await apiCallFilter(tx, log, query)),
      );
      const series = new Array<number>(points).fill(0);
      for (const row of rows) {
        const minute = Number(row.bucket);
        series[Math.floor((minute - firstBucket) / span)]! += row.count;
      }
      return {
        ...range(w),
        bucket,
        data: series.map((count, i) => ({
          start: new Date(msOfMinute(firstBucket + i * span)).toISOString(),
          count,
        })),
      };
    },

    /**
     * Calls and p50/p95/p99 response times per bucket, from the response-time histograms: rollups of
     * ten minutes and up inside each bucket, the entries for minute buckets and the window's edges.
     */
    async latencySeries(log: AnalysedLog, query: LatencySeriesQuery): Promise<LatencySeries> {
      const w = windowOf(query);
      const { bucket, span, firstBucket, points } = seriesOf(w, query.bucket);
      const onlyFailed = log === 'failed-api-calls';
      const histograms = Array.from({ length: points }, () => new Map<number, number>());
      const rows = await snapshot(async (tx) => {
        const endpointId =
          query.endpoint === undefined
            ? undefined
            : ((await dictionaryCode(tx, 'log_endpoints', query.endpoint)) ?? NO_CODE);
        return counts.apiCallLatencies(
          tx,
          w,
          LATENCY_SPANS.filter((s) => s <= span),
          endpointId,
        );
      });
      for (const row of rows) {
        const n = onlyFailed ? row.failures : row.count;
        if (n === 0) continue;
        const histogram = histograms[Math.floor((row.bucket - firstBucket) / span)]!;
        histogram.set(row.latency_bucket, (histogram.get(row.latency_bucket) ?? 0) + n);
      }
      return {
        ...range(w),
        bucket,
        data: histograms.map((histogram, i) => ({
          start: new Date(msOfMinute(firstBucket + i * span)).toISOString(),
          calls: [...histogram.values()].reduce((a, b) => a + b, 0),
          p50_ms: percentile(histogram, 0.5),
          p95_ms: percentile(histogram, 0.95),
          p99_ms: percentile(histogram, 0.99),
        })),
      };
    },

    async endpoints(log: AnalysedLog, query: WindowQuery): Promise<EndpointStats> {
      const w = windowOf(query);
      const onlyFailed = log === 'failed-api-calls';
      const stats = new Map<number, { calls: number; failures: number; histogram: Map<number, number> }>();
      const statOf = (endpoint: number) => {
        let s = stats.get(endpoint);
        if (!s) stats.set(endpoint, (s = { calls: 0, failures: 0, histogram: new Map() }));
        return s;
      };
      const addCounts = (r: {
        endpoint_id: number;
        latency_bucket: number;
        count: number;
        failures: number;
      }) => {
        const n = onlyFailed ? r.failures : r.count;
        if (n === 0) return;
        const s = statOf(r.endpoint_id);
        s.calls += n;
        s.failures += r.failures;
        s.histogram.set(r.latency_bucket, (s.histogram.get(r.latency_bucket) ?? 0) + n);
      };
      const names = await snapshot(async (tx) => {
        const { pieces, ranges } = await counts.coverage(tx, 'api_calls', w, LATENCY_SPANS);
        for (const piece of pieces) (await rollups.latencies(piece, tx)).forEach(addCounts);
        for (const r of ranges) (await entries.latencyHistogram(r, tx)).forEach(addCounts);
        return dictionaryTexts(tx, 'log_endpoints', stats.keys());
      });
      const data = [...stats.entries()]
        .map(([code, s]) => ({
          endpoint: names.get(code) ?? null,
          calls: s.calls,
          failures: s.failures,
          success_rate: rate(s.calls - s.failures, s.calls),
          p50_ms: percentile(s.histogram, 0.5),
          p95_ms: percentile(s.histogram, 0.95),
          p99_ms: percentile(s.histogram, 0.99),
        }))
        .sort((a, b) => b.calls - a.calls || String(a.endpoint).localeCompare(String(b.endpoint)));
      return { ...range(w), data };
    },

    async top(log: AnalysedLog, query: TopQuery): Promise<TopValues> {
      const w = windowOf(query);
      const spans = COUNT_SPANS;
      if (query.by === 'error_code' || query.by === 'block_reason') {
        const rows = await snapshot((tx) =>
          query.by === 'block_reason'
            ? counts.blocked(tx, w, spans, ['block_reason'], {})
            : counts.apiCalls(tx, w, spans, ['error_code'], { minStatus: 400 }),
        );
        const totals = new Map<string, number>();
        for (const row of rows) {
          const value = String(row[query.by]);
          if (value !== '') totals.set(value, (totals.get(value) ?? 0) + row.count);
        }
        const data = [...totals.entries()]
          .map(([value, count]) => ({ value, count }))
          .sort((a, b) => b.count - a.count || a.value.localeCompare(b.value))
          .slice(0, query.limit);
        return { ...range(w), by: query.by, approximate: false, max_error: 0, data };
      }
      const field = query.by;
      const { values, maxError } = await snapshot((tx) => valueCounts.top(tx, logKey(log), field, w));
      const data = values
        .map((v) => ({ value: field === 'license_key' ? (v.label ?? 'unknown') : v.value, count: v.count }))
        .sort((a, b) => b.count - a.count || a.value.localeCompare(b.value))
        .slice(0, query.limit);
      return { ...range(w), by: field, approximate: maxError > 0, max_error: maxError, data };
    },

    async summary(log: AnalysedLog, query: WindowQuery): Promise<Summary> {
      const w = windowOf(query);
      return snapshot(async (tx) => {
        let total = 0;
        let failures = 0;
        if (log === 'blocked') {
          for (const row of await counts.blocked(tx, w, COUNT_SPANS, [], {})) total += row.count;
        } else {
          const rows = await counts.apiCalls(
            tx,
            w,
            COUNT_SPANS,
            ['status'],
            await apiCallFilter(tx, log, {}),
          );
          for (const row of rows) {
            total += row.count;
            if (Number(row.status) >= 400) failures += row.count;
          }
        }
        const unique = await valueCounts.uniqueIps(tx, logKey(log), w);
        return {
          ...range(w),
          total,
          failures,
          success_rate: log === 'blocked' ? null : rate(total - failures, total),
          unique_ips: unique.count,
          unique_ips_approximate: unique.approximate,
        };
      });
    },

    async authFailures(query: WindowQuery): Promise<AuthFailures> {
      const w = windowOf(query);
      const rows = await snapshot((tx) => counts.apiCalls(tx, w, COUNT_SPANS, ['error_code'], {}));
      let total = 0;
      const byCode = new Map<string, number>();
      for (const row of rows) {
        total += row.count;
        const code = String(row.error_code);
        if (AUTH_FAILURE_CODES.includes(code)) byCode.set(code, (byCode.get(code) ?? 0) + row.count);
      }
      const failures = [...byCode.values()].reduce((a, b) => a + b, 0);
      return {
        ...range(w),
        total,
        failures,
        rate: rate(failures, total),
        by_error_code: [...byCode.entries()]
          .map(([error_code, count]) => ({ error_code, count }))
          .sort((a, b) => b.count - a.count || a.error_code.localeCompare(b.error_code)),
      };
    },
  };
}

export type AnalyticsService = ReturnType<typeof createAnalyticsService>;
