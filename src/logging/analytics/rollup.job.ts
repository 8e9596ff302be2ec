import type { FastifyBaseLogger } from 'fastify';
import { PostgresAdapter } from 'kysely';
import type { Db, Executor } from '../../db/database.js';
import type { Clock } from '../../shared/clock.js';
import type { RequestLogRepository } from '../request-log.repository.js';
import type { AnalyticsLog, ValueCount, ValueField } from './entry-reads.js';
import { addToSketch, emptySketch, estimateDistinct, mergeSketch } from './ip-sketch.js';
import { hasLateBucket, lateBuckets } from './late-entries.js';
import { foldApiCalls, foldBlocked } from './rollup-fold.js';
import { refoldLateBucket } from './rollup-refold.js';
import type { RolledLog, RollupRepository, RollupState } from './rollup.repository.js';
import { DAY, HOUR, idBytesAt, minuteOf, msOfIdBytes, msOfMinute } from './time-buckets.js';

export interface RollupJobOptions {
  db: Db;
  entries: RequestLogRepository;
  rollups: RollupRepository;
  clock: Clock;
  logger: FastifyBaseLogger;
  /**
   * Entries younger than this are left to the next run: the log writer stores an entry a few
   * milliseconds after its timestamp, and an id the fold has passed is never read again.
   */
  settleMs?: number;
  intervalMs?: number;
  /** Entries one statement of the fold reads at most. */
  batchSize?: number;
  /** Time a fold transaction keeps reading further pages for (milliseconds). */
  stepMs?: number;
  /** Values kept per field and closed hour (the rest leave their largest count as the error bound). */
  topValuesPerHour?: number;
}

/** How many entries a page held, its first id and the id the next page starts after. */
const pageRead = (rows: readonly { id: Buffer }[], after: Buffer) => ({
  read: rows.length,
  firstId: rows[0]?.id ?? null,
  lastId: rows.at(-1)?.id ?? after,
});

const yieldToLoop = () => new Promise((resolve) => setImmediate(resolve));

/** Marked buckets refolded per run at most: a bucket marked again and again cannot hold the fold back. */
const LATE_BUCKETS_PER_RUN = 100;

/** What each log's closed hours summarise: its high-cardinality fields. */
const SUMMARISED: Record<RolledLog, [AnalyticsLog, ValueField][]> = {
  api_calls: [
    ['api_calls', 'ip'],
    ['api_calls', 'license_key'],
    ['api_calls', 'user_agent'],
    ['failed_api_calls', 'ip'],
    ['failed_api_calls', 'license_key'],
    ['failed_api_calls', 'user_agent'],
  ],
  blocked: [
    ['blocked', 'ip'],
    ['blocked', 'user_agent'],
  ],
};

/**
 * Folds new log entries into the rollups: entries with an id past the stored watermark, in id order
 * (a primary-key range), batch by batch, each batch's sums and the new watermark in one transaction,
 * so a run cut short by a crash or a restart is neither lost nor counted twice. Hours the watermark
 * has passed get their top values and address sketch. The request path is not involved.
 */
export function createRollupJob(options: RollupJobOptions) {
  const { db, entries, rollups, clock, logger } = options;
  const settleMs = options.settleMs ?? 10_000;
  const intervalMs = options.intervalMs ?? 5_000;
  // On SQLite a statement runs on the event loop and a transaction holds the one connection: small
  // pages, as many as fit in a few milliseconds. PostgreSQL runs them elsewhere: one large page folds faster.
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  const pageSize = options.batchSize ?? (postgres ? 20_000 : 200);
  const stepMs = options.stepMs ?? (postgres ? 0 : 4);
  const summarySlice = postgres ? HOUR : 1;
  const topPerHour = options.topValuesPerHour ?? 100;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let stopped = false;

  /**
   * Every value of each summarised field in a closed hour with its count, read a minute at a time on
   * SQLite: outside a transaction the event loop runs between the reads, so a busy hour never holds it.
   */
  async function hourCounts(log: RolledLog, hour: number, tx?: Executor): Promise<ValueCount[][]> {
    const merged = SUMMARISED[log].map(() => new Map<string, ValueCount>());
    for (let minute = hour; minute < hour + HOUR; minute += summarySlice) {
      const end = minute + summarySlice;
      const range = { from: idBytesAt(msOfMinute(minute)), before: idBytesAt(msOfMinute(end)) };
      for (const [i, [summaryLog, field]] of SUMMARISED[log].entries()) {
        for (const v of await entries.countValues(summaryLog, field, range, tx ?? db)) {
          const found = merged[i]!.get(v.value);
          if (found) found.count += v.count;
          else merged[i]!.set(v.value, v);
        }
      }
      if (!tx) await yieldToLoop();
    }
    return merged.map((values) => [...values.values()].sort((a, b) => b.count - a.count));
  }

  async function summariseHour(log: RolledLog, hour: number, tx: Executor, read?: ValueCount[][]) {
    const all = read ?? (await hourCounts(log, hour, tx));
    for (const [i, [summaryLog, field]] of SUMMARISED[log].entries()) {
      const counts = all[i]!;
      if (counts.length === 0) continue;
      let sketch: Uint8Array | null = null;
      if (field === 'ip') {
        sketch = emptySketch();
        for (const { value } of counts) addToSketch(sketch, value);
      }
      await rollups.saveSummary(
        {
          log: summaryLog,
          field,
          span: HOUR,
          bucket: hour,
          distinctValues: counts.length,
          droppedMax: counts[topPerHour]?.count ?? 0,
          sketch,
        },
        counts.slice(0, topPerHour),
        tx,
      );
    }
  }

  /**
   * A closed day from its 24 hour summaries: their top values summed (then cut to the most frequent)
   * and their sketches merged. The bound adds the largest value cut here to the hours' own bounds.
   */
  async function summariseDay(log: RolledLog, day: number, tx: Executor): Promise<void> {
    const hours = { span: HOUR, first: day, end: day + DAY };
    for (const [summaryLog, field] of SUMMARISED[log]) {
      const rolled = await rollups.topValues(summaryLog, field, hours, tx);
      if (rolled.values.length === 0) continue;
      const values = rolled.values.sort((a, b) => b.count - a.count);
      let sketch: Uint8Array | null = null;
      if (field === 'ip') {
        sketch = emptySketch();
        for (const s of await rollups.sketches(summaryLog, field, hours, tx)) mergeSketch(sketch, s);
      }
      await rollups.saveSummary(
        {
          log: summaryLog,
          field,
          span: DAY,
          bucket: day,
          distinctValues: sketch ? estimateDistinct(sketch) : values.length,
          droppedMax: (values[topPerHour]?.count ?? 0) + rolled.droppedMax,
          sketch,
        },
        values.slice(0, topPerHour),
        tx,
      );
    }
  }

  /**
   * Summarises the closed hours after the last summarised one, up to `foldedUntil`: each hour read
   * outside any transaction, then saved in a short one unless another process saved it first. An hour
   * with late entries waiting for their refold is read again inside that transaction (rare).
   */
  async function summariseClosedHours(log: RolledLog, foldedUntil: number): Promise<void> {
    while (!stopped) {
      const { summarisedHour } = await rollups.readState(log);
      const hour = summarisedHour + HOUR;
      if (summarisedHour < 0 || msOfMinute(hour + HOUR) > foldedUntil) return;
      const counts = await hourCounts(log, hour);
      const saved = await db.transaction().execute(async (tx) => {
        const state = await rollups.lockState(log, tx);
        if (state.summarisedHour !== summarisedHour) return false;
        // Late entries of the hour may have been stored after its minutes were read: read it again here.
        const late = await hasLateBucket(tx, log, hour, hour + HOUR);
        await summariseHour(log, hour, tx, late ? undefined : counts);
        await rollups.saveState(log, { lastId: state.lastId, summarisedHour: hour }, tx);
        if ((hour + HOUR) % DAY === 0) await summariseDay(log, hour + HOUR - DAY, tx);
        return true;
      });
      if (!saved) return;
      await yieldToLoop();
    }
  }

  /** Folds one page of entries after `after`: how many were read and the last one's id. */
  async function foldPage(log: RolledLog, range: { after: Buffer; before: Buffer }, tx: Executor) {
    if (log === 'api_calls') {
      const rows = await entries.apiCallsForRollup(range, pageSize, tx);
      if (rows.length > 0) {
        const { counts, latencies } = foldApiCalls(rows);
        await rollups.addApiCalls(counts, tx);
        await rollups.addLatencies(latencies, tx);
      }
      return pageRead(rows, range.after);
    }
    const rows = await entries.blockedForRollup(range, pageSize, tx);
    if (rows.length > 0) await rollups.addBlocked(foldBlocked(rows), tx);
    return pageRead(rows, range.after);
  }

  /**
   * One step of one log: pages folded in one transaction until the step's time is spent (on SQLite the
   * whole transaction runs without the event loop in between, so it is bounded by time, not count).
   * Whether the last page was full, and the instant before which every entry is folded.
   */
  async function foldBatch(log: RolledLog, before: Buffer, settledMs: number) {
    return db.transaction().execute(async (tx) => {
      const state = await rollups.lockState(log, tx);
      const deadline = performance.now() + stepMs;
      let lastId = state.lastId;
      let firstMs: number | null = null;
      let full: boolean;
      do {
        const page = await foldPage(log, { after: lastId, before }, tx);
        full = page.read === pageSize;
        lastId = page.lastId;
        if (page.firstId && firstMs === null) firstMs = msOfIdBytes(page.firstId);
      } while (full && performance.now() < deadline);
      // Every entry before this instant is folded: the last one read when the page was full (others
      // may share its millisecond), else the settled bound itself.
      const foldedUntil = full ? msOfIdBytes(lastId) : settledMs;
      const next: RollupState = { lastId, summarisedHour: state.summarisedHour };
      if (state.summarisedHour < 0 && firstMs !== null) {
        // Nothing was logged before this hour: no earlier hour needs a summary.
        next.summarisedHour = minuteOf(firstMs) - (minuteOf(firstMs) % HOUR) - HOUR;
      }
      await rollups.saveState(log, next, tx);
      return { full, foldedUntil };
    });
  }

  /** Late entries: each marked bucket refolded in its own transaction, its closed hour summarised again. */
  async function refoldLate(log: RolledLog): Promise<void> {
    for (const mark of await lateBuckets(db, log, LATE_BUCKETS_PER_RUN)) {
      if (stopped) return;
      await db.transaction().execute(async (tx) => {
        const state = await rollups.lockState(log, tx);
        const changed = await refoldLateBucket({ entries, rollups, pageSize }, log, mark, state, tx);
        const hour = mark.bucket - (mark.bucket % HOUR);
        if (!changed || hour > state.summarisedHour) return;
        await summariseHour(log, hour, tx);
        const day = hour - (hour % DAY);
        if (day + DAY - HOUR <= state.summarisedHour) await summariseDay(log, day, tx);
      });
      await yieldToLoop();
    }
  }

  async function foldAll(): Promise<void> {
    const settledMs = clock.now().getTime() - settleMs;
    const before = idBytesAt(settledMs);
    for (const log of ['api_calls', 'blocked'] as const) {
      await refoldLate(log);
      while (!stopped) {
        const { full, foldedUntil } = await foldBatch(log, before, settledMs);
        await summariseClosedHours(log, foldedUntil);
        if (!full) break;
        // Yield between batches so a long catch-up never holds the event loop for long.
        await yieldToLoop();
      }
    }
  }

  function runOnce(): Promise<void> {
    running ??= foldAll().finally(() => {
      running = null;
    });
    return running;
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      runOnce()
        .catch((error: unknown) => logger.warn({ err: error }, 'log rollup failed; retried next interval'))
        .finally(schedule);
    }, intervalMs);
    timer.unref();
  }

  return {
    runOnce,
    start(): void {
      stopped = false;
      if (!timer) schedule();
    },
    async stop(): Promise<void> {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await running?.catch(() => {});
    },
  };
}

export type RollupJob = ReturnType<typeof createRollupJob>;
