import type { Db, Executor } from '../db/database.js';
import { AUTH_FAILURE_CODES } from '../logging/analytics/analytics.service.js';
import type { ApiCallFilter, BlockedFilter } from '../logging/analytics/rollup.repository.js';
import { COUNT_SPANS } from '../logging/analytics/time-buckets.js';
import type { Window, WindowCounts } from '../logging/analytics/window-counts.js';
import { dictionaryCode, dictionaryTexts } from '../logging/log-dictionary.js';
import { methodCode } from '../logging/log-entry.js';
import type { Condition, CustomFilters } from './alert-conditions.js';
import type { Breach } from './alert-decision.js';
import {
  authFailureBreaches,
  blockedSpikeBreaches,
  bruteForceBreaches,
  customBreaches,
  DELETE_ACTIONS,
  endpointErrorBreaches,
  pipelineBreaches,
  ROLE_ACTIONS,
  SENSITIVE_ACTIONS,
  sensitiveActionBreaches,
  storageGrowthBreaches,
} from './alert-measures.js';
import type { AlertReads } from './alert-reads.js';
import type { AlertRepository } from './alert.repository.js';

/** Answers that mean someone is guessing: failed authentication, or a licence key that does not exist. */
export const GUESSING_CODES = [...AUTH_FAILURE_CODES, 'ERR_LICENSE_NOT_FOUND'];
export const METRIC_DROPPED = 'log_entries_dropped';
export const METRIC_SPOOLED = 'log_entries_spooled';
export const METRIC_DATABASE_BYTES = 'database_bytes';
/** Activity entries read per evaluation of the sensitive-action rule at most. */
const ACTIVITY_LIMIT = 5_000;
const LOG_LABELS = {
  'api-calls': 'API calls',
  'failed-api-calls': 'failed API calls',
  blocked: 'blocked requests',
} as const;
/** A code no dictionary gives: a filter on a route pattern never logged matches nothing. */
const NO_CODE = -1;

interface MeasureDeps {
  db: Db;
  counts: WindowCounts;
  reads: AlertReads;
  repository: AlertRepository;
}

type Sample = { source: string; measured_at: string; value: number };

/** A counter's increase over the window, summed over processes (a process's count starts at 0). */
export function counterIncrease(samples: { before: Sample[]; within: Sample[] }): number {
  const start = new Map(samples.before.map((s) => [s.source, s.value]));
  const last = new Map<string, number>();
  for (const s of samples.within) last.set(s.source, s.value);
  let total = 0;
  for (const [source, value] of last) total += Math.max(0, value - (start.get(source) ?? 0));
  return total;
}

/** A gauge's growth over the window: its last sample inside the window minus its first. */
export function gaugeGrowth(samples: { within: Sample[] }) {
  const first = samples.within[0];
  const last = samples.within.at(-1);
  if (!first || !last || first === last) return null;
  return { bytes: last.value - first.value, from: first.measured_at, to: last.measured_at };
}

async function apiCallFilter(
  tx: Executor,
  filters: CustomFilters,
  onlyFailed: boolean,
): Promise<ApiCallFilter> {
  const filter: ApiCallFilter = {};
  if (filters.endpoint !== undefined)
    filter.endpointId = (await dictionaryCode(tx, 'log_endpoints', filters.endpoint)) ?? NO_CODE;
  if (filters.method !== undefined) filter.method = methodCode(filters.method);
  if (filters.status !== undefined) filter.status = filters.status;
  if (filters.status_class !== undefined) {
    filter.minStatus = Number(filters.status_class[0]) * 100;
    filter.maxStatus = filter.minStatus + 99;
  }
  if (filters.error_code !== undefined) filter.errorCode = filters.error_code;
  if (onlyFailed) filter.minStatus = Math.max(filter.minStatus ?? 0, 400);
  return filter;
}

const blockedFilter = (filters: CustomFilters): BlockedFilter => ({
  ...(filters.block_reason !== undefined && { blockReason: filters.block_reason }),
  ...(filters.method !== undefined && { method: methodCode(filters.method) }),
});

const total = (rows: { count: number }[]) => rows.reduce((sum, r) => sum + r.count, 0);

/**
 * Reads what a condition needs for the window ending `now` and applies it. Counts come from the
 * analytics rollups plus the entries past them (exact, and a window's whole minutes are single rows);
 * per-address counts and activity entries are primary-key range reads of the window alone.
 */
export function createAlertMeasure(deps: MeasureDeps) {
  const { db, counts, reads, repository } = deps;
  // One snapshot per rule: the rollups' watermark and the entries past it must agree (see analytics).
  const snapshot = <T>(fn: (tx: Executor) => Promise<T>): Promise<T> =>
    db.transaction().setIsolationLevel('repeatable read').execute(fn);

  async function custom(c: Extract<Condition, { type: 'custom' }>, w: Window): Promise<Breach[]> {
    const filters = Object.entries(c.filters).map(([k, v]) => `${k}=${String(v)}`);
    const label = `${LOG_LABELS[c.log]}${filters.length ? ` with ${filters.join(', ')}` : ''}`;
    if (c.group_by === 'ip') {
      // Grouped by address the metric is a count: groups under the threshold are never read.
      const least = Math.max(c.min_volume, c.threshold, 1);
      const rows =
        c.log === 'blocked'
          ? await reads.blockedPerIp(w, blockedFilter(c.filters), least)
          : await reads.apiCallsPerIp(
              w,
              await apiCallFilter(db, c.filters, c.log === 'failed-api-calls'),
              least,
            );
      return customBreaches(
        c,
        rows.map((r) => ({ group: r.ip, matching: r.count, volume: r.count })),
        label,
      );
    }
    return snapshot(async (tx) => {
      if (c.log === 'blocked') {
        const matching = total(await counts.blocked(tx, w, COUNT_SPANS, [], blockedFilter(c.filters)));
        return customBreaches(c, [{ group: '', matching, volume: matching }], label);
      }
      const filter = await apiCallFilter(tx, c.filters, c.log === 'failed-api-calls');
      if (c.group_by === 'endpoint') {
        const matching = await counts.apiCalls(tx, w, COUNT_SPANS, ['endpoint_id'], filter);
        const all = await counts.apiCalls(tx, w, COUNT_SPANS, ['endpoint_id'], {});
        const perEndpoint = new Map<number, { matching: number; volume: number }>();
        const at = (code: number) =>
          perEndpoint.get(code) ?? perEndpoint.set(code, { matching: 0, volume: 0 }).get(code)!;
        for (const r of matching) at(Number(r.endpoint_id)).matching += r.count;
        for (const r of all) at(Number(r.endpoint_id)).volume += r.count;
        const names = await dictionaryTexts(tx, 'log_endpoints', perEndpoint.keys());
        return customBreaches(
          c,
          [...perEndpoint].map(([code, v]) => ({ group: names.get(code) ?? '(no route)', ...v })),
          label,
        );
      }
      const matching = total(await counts.apiCalls(tx, w, COUNT_SPANS, [], filter));
      const volume =
        c.metric === 'rate' ? total(await counts.apiCalls(tx, w, COUNT_SPANS, [], {})) : matching;
      return customBreaches(c, [{ group: '', matching, volume }], label);
    });
  }

  return async function measure(condition: Condition, now: Date): Promise<Breach[]> {
    const toMs = now.getTime();
    const w: Window = { fromMs: toMs - condition.window_minutes * 60_000, toMs };
    const since = new Date(w.fromMs).toISOString();
    switch (condition.type) {
      case 'auth_failure_rate': {
        const rows = await snapshot((tx) => counts.apiCalls(tx, w, COUNT_SPANS, ['error_code'], {}));
        const byCode = new Map<string, number>();
        for (const r of rows) {
          const code = String(r.error_code);
          if (AUTH_FAILURE_CODES.includes(code)) byCode.set(code, (byCode.get(code) ?? 0) + r.count);
        }
        const by_error_code = [...byCode]
          .map(([error_code, count]) => ({ error_code, count }))
          .sort((a, b) => b.count - a.count);
        return authFailureBreaches(condition, {
          total: total(rows),
          failures: total(by_error_code),
          by_error_code,
        });
      }
      case 'blocked_spike': {
        const baseline: Window = { fromMs: w.fromMs - condition.baseline_minutes * 60_000, toMs: w.fromMs };
        const [inWindow, inBaseline] = await snapshot(async (tx) => [
          total(await counts.blocked(tx, w, COUNT_SPANS, [], {})),
          total(await counts.blocked(tx, baseline, COUNT_SPANS, [], {})),
        ]);
        return blockedSpikeBreaches(condition, { window: inWindow!, baseline: inBaseline! });
      }
      case 'brute_force_ip':
        return bruteForceBreaches(
          condition,
          await reads.apiCallsPerIp(w, { errorCodes: GUESSING_CODES }, condition.threshold),
        );
      case 'sensitive_admin_action':
        return sensitiveActionBreaches(
          condition,
          await reads.activity(w, [...SENSITIVE_ACTIONS, ...DELETE_ACTIONS, ...ROLE_ACTIONS], ACTIVITY_LIMIT),
        );
      case 'endpoint_error_rate':
        return snapshot(async (tx) => {
          const rows = await counts.apiCalls(tx, w, COUNT_SPANS, ['endpoint_id', 'status'], {});
          const per = new Map<number, { calls: number; errors: number }>();
          for (const r of rows) {
            const code = Number(r.endpoint_id);
            const e = per.get(code) ?? per.set(code, { calls: 0, errors: 0 }).get(code)!;
            e.calls += r.count;
            if (Number(r.status) >= 500) e.errors += r.count;
          }
          const names = await dictionaryTexts(tx, 'log_endpoints', per.keys());
          return endpointErrorBreaches(
            condition,
            [...per].map(([code, e]) => ({ endpoint: names.get(code) ?? '(no route)', ...e })),
          );
        });
      case 'log_pipeline':
        return pipelineBreaches(condition, {
          dropped: counterIncrease(await repository.measurements(METRIC_DROPPED, since, now.toISOString())),
          spooled: counterIncrease(await repository.measurements(METRIC_SPOOLED, since, now.toISOString())),
        });
      case 'storage_growth':
        return storageGrowthBreaches(
          condition,
          gaugeGrowth(await repository.measurements(METRIC_DATABASE_BYTES, since, now.toISOString())),
        );
      case 'custom':
        return custom(condition, w);
    }
  };
}

export type AlertMeasure = ReturnType<typeof createAlertMeasure>;
