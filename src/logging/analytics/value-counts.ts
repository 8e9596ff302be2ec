import type { Executor } from '../../db/database.js';
import type { RequestLogRepository } from '../request-log.repository.js';
import type { AnalyticsLog, IdRange, ValueCount, ValueField } from './entry-reads.js';
import { addToSketch, emptySketch, estimateDistinct, mergeSketch } from './ip-sketch.js';
import type { RollupRepository } from './rollup.repository.js';
import { DAY, HOUR, idBytesAt, msOfMinute, planWindow } from './time-buckets.js';
import type { Window } from './window-counts.js';

/**
 * A window as whole hours and days already summarised and the id ranges read from the
 * entries: the partial hours at either end and the hours the fold has not summarised yet.
 */
async function hourCoverage(rollups: RollupRepository, log: AnalyticsLog, w: Window, tx: Executor) {
  const state = await rollups.readState(log === 'blocked' ? 'blocked' : 'api_calls', tx);
  const plan = planWindow(w.fromMs, w.toMs, [HOUR]);
  const split = Math.min(plan.alignedTo, Math.max(plan.alignedFrom, msOfMinute(state.summarisedHour + HOUR)));
  const raw =
    split < plan.alignedTo ? [...plan.edges, [split, plan.alignedTo] as [number, number]] : plan.edges;
  return {
    // A day is summarised with its last hour: whole days inside the summarised hours read one row each.
    summarised: split > plan.alignedFrom ? planWindow(plan.alignedFrom, split, [DAY, HOUR]).pieces : [],
    ranges: raw.map(([from, to]): IdRange => ({ from: idBytesAt(from), before: idBytesAt(to) })),
  };
}

/** Top values and unique addresses: hour summaries where they exist, the entries elsewhere. */
export function createValueCounts(entries: RequestLogRepository, rollups: RollupRepository) {
  return {
    async top(tx: Executor, log: AnalyticsLog, field: ValueField, w: Window) {
      const { summarised, ranges } = await hourCoverage(rollups, log, w, tx);
      const merged = new Map<string, ValueCount>();
      const add = (v: ValueCount) => {
        const found = merged.get(v.value);
        if (found) found.count += v.count;
        else merged.set(v.value, { ...v });
      };
      let maxError = 0;
      for (const piece of summarised) {
        const rolled = await rollups.topValues(log, field, piece, tx);
        rolled.values.forEach(add);
        maxError += rolled.droppedMax;
      }
      for (const range of ranges) (await entries.countValues(log, field, range, tx)).forEach(add);
      return { values: [...merged.values()], maxError };
    },

    /** Exact while no summarised hour is involved; else the union of the hours' HyperLogLog sketches. */
    async uniqueIps(tx: Executor, log: AnalyticsLog, w: Window) {
      const { summarised, ranges } = await hourCoverage(rollups, log, w, tx);
      const values = new Set<string>();
      for (const range of ranges) {
        for (const v of await entries.distinctValues(log, 'ip', range, tx)) values.add(v);
      }
      const sketches: Uint8Array[] = [];
      for (const piece of summarised) sketches.push(...(await rollups.sketches(log, 'ip', piece, tx)));
      if (sketches.length === 0) return { count: values.size, approximate: false };
      const sketch = emptySketch();
      for (const s of sketches) mergeSketch(sketch, s);
      for (const value of values) addToSketch(sketch, value);
      return { count: estimateDistinct(sketch), approximate: true };
    },
  };
}
