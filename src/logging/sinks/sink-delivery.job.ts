import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Db } from '../../db/database.js';
import { retryDelayMs, type BackoffPolicy } from '../../shared/backoff.js';
import type { Clock } from '../../shared/clock.js';
import { matchesFilters } from './sink-filter.js';
import { chainEnd, readAfter } from './sink-entries.js';
import type { SinkRepository, SinkRow } from './sink.repository.js';
import { reasonOf, type SinkTransport } from './sink-transport.js';
import { SINK_LOGS, type SinkEntry, type SinkLog } from './sink-types.js';

export interface DeliveryJobOptions {
  db: Db;
  repository: SinkRepository;
  transport: SinkTransport;
  clock: Clock;
  logger: Pick<FastifyBaseLogger, 'warn'>;
  intervalMs: number;
  batchSize: number;
  timeoutMs: number;
  deadLetterMs: number;
  backoff: BackoffPolicy;
  /** [0, 1), for the backoff's jitter; injected so tests can pin it. */
  random?: () => number;
  /** Batches one sink may send in one run before the next sink's turn. */
  batchesPerRun?: number;
}

export type SinkRunOutcome = 'idle' | 'delivered' | 'failed' | 'skipped';

interface Batch {
  entries: SinkEntry[];
  moves: { log: SinkLog; from: number; to: number }[];
}

/**
 * Forwards each enabled sink's logs (ADR 0012): reads the entries after the sink's cursor by chain
 * position, sends those its filters keep, and only then moves the cursor, so a crash or a failed send
 * repeats a batch rather than losing it (at least once, in chain order per log). A sink is worked by
 * one process at a time, the holder of its lease; a failure is retried with exponential backoff and
 * full jitter, and a sink failing without a break for the dead-letter time stops until resumed.
 */
export function createSinkDeliveryJob(options: DeliveryJobOptions) {
  const { db, repository, transport, clock, logger, batchSize } = options;
  const random = options.random ?? Math.random;
  const batchesPerRun = options.batchesPerRun ?? 20;
  // Long enough for a delivery that runs into its time limit, so a lease never lapses mid-send.
  const leaseMs = Math.max(60_000, options.timeoutMs * 3);
  const owner = `proc_${randomUUID()}`;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let stopped = true;

  /** The next batch: each log in turn after its cursor, up to `batchSize` positions in all. */
  async function nextBatch(sink: SinkRow): Promise<Batch> {
    const cursors = await repository.cursors(sink.id);
    const batch: Batch = { entries: [], moves: [] };
    let room = batchSize;
    for (const log of SINK_LOGS) {
      if (!sink.logs.includes(log) || room <= 0) continue;
      const from = cursors.get(log);
      if (from === undefined) {
        // A log whose cursor is missing (added by hand, or a race with an update) starts at its end.
        await repository.startCursor(sink.id, log, await chainEnd(db, log), db);
        continue;
      }
      const read = await readAfter(db, log, from, room);
      if (read.through === from) continue;
      room -= read.through - from;
      batch.moves.push({ log, from, to: read.through });
      for (const entry of read.entries) if (matchesFilters(sink.filters, entry)) batch.entries.push(entry);
    }
    return batch;
  }

  async function fail(sink: SinkRow, error: unknown): Promise<void> {
    const now = clock.now().getTime();
    const failingSince = sink.failing_since ?? now;
    const attempts = sink.attempts + 1;
    const dead = now - failingSince >= options.deadLetterMs;
    await repository.recordFailure(sink.id, {
      attempts,
      failing_since: failingSince,
      next_attempt_at: now + retryDelayMs(attempts, options.backoff, random),
      last_error: reasonOf(error, options.timeoutMs),
      last_error_at: new Date(now).toISOString(),
      state: dead ? 'dead_letter' : 'retrying',
    });
    if (dead) logger.warn({ sink: sink.id }, 'log sink dead-lettered after failing continuously');
  }

  /** Moves the cursors of a delivered batch; false when another process moved one meanwhile. */
  async function commit(sink: SinkRow, batch: Batch): Promise<boolean> {
    return db
      .transaction()
      .execute(async (tx) => {
        for (const move of batch.moves) {
          if (!(await repository.advanceCursor(sink.id, move.log, move.from, move.to, tx))) {
            throw new CursorMoved();
          }
        }
        await repository.recordDelivery(sink.id, batch.entries.length, clock.now().toISOString(), tx);
        return true;
      })
      .catch((error: unknown) => {
        if (error instanceof CursorMoved) return false;
        throw error;
      });
  }

  /** Delivers what one sink has waiting, a batch at a time, while it holds the lease. */
  async function deliverSink(id: string): Promise<SinkRunOutcome> {
    let sink = await repository.find(id);
    if (!sink || !sink.enabled || sink.state === 'dead_letter') return 'skipped';
    const now = clock.now().getTime();
    if (sink.next_attempt_at !== null && sink.next_attempt_at > now) return 'skipped';
    if (!(await repository.takeLease(id, owner, now, now + leaseMs))) return 'skipped';
    let outcome: SinkRunOutcome = 'idle';
    try {
      for (let i = 0; i < batchesPerRun; i++) {
        const batch = await nextBatch(sink);
        if (batch.moves.length === 0) break;
        if (batch.entries.length > 0) {
          try {
            const secret = await repository.secretOf(id);
            await transport.send({ ...sink, secret }, batch.entries, clock.now());
          } catch (error) {
            await fail(sink, error);
            return 'failed';
          }
        }
        if (!(await commit(sink, batch))) return 'skipped';
        outcome = 'delivered';
        const renewedAt = clock.now().getTime();
        if (!(await repository.takeLease(id, owner, renewedAt, renewedAt + leaseMs))) break;
        sink = (await repository.find(id)) ?? sink;
      }
      return outcome;
    } finally {
      await repository.releaseLease(id, owner).catch(() => {});
    }
  }

  async function deliverAll(): Promise<Map<string, SinkRunOutcome>> {
    const outcomes = new Map<string, SinkRunOutcome>();
    for (const id of await repository.enabledIds()) {
      try {
        outcomes.set(id, await deliverSink(id));
      } catch (error) {
        // A store error, not the receiver's: the batch was not committed and is read again next run.
        logger.warn({ err: error, sink: id }, 'log sink delivery failed; retried next run');
        outcomes.set(id, 'failed');
      }
    }
    return outcomes;
  }

  let current: Promise<Map<string, SinkRunOutcome>> | null = null;
  /** One pass over every sink (what the timer runs); concurrent calls share the pass in progress. */
  function runOnce(): Promise<Map<string, SinkRunOutcome>> {
    current ??= deliverAll().finally(() => {
      current = null;
    });
    return current;
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      running = runOnce()
        .then(() => {})
        .catch((error: unknown) => logger.warn({ err: error }, 'log sink delivery run failed'))
        .finally(() => {
          running = null;
          schedule();
        });
    }, options.intervalMs);
    timer.unref();
  }

  return {
    runOnce,
    deliverSink,
    start(): void {
      if (!stopped) return;
      stopped = false;
      schedule();
    },
    async stop(): Promise<void> {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await running;
      await current?.catch(() => {});
    },
  };
}

class CursorMoved extends Error {}

export type SinkDeliveryJob = ReturnType<typeof createSinkDeliveryJob>;
