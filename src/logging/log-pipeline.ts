import type { FastifyBaseLogger } from 'fastify';
import { Counter, Gauge, type Registry } from 'prom-client';
import { journalDirOf, openJournal, type Journal } from './journal.js';
import { LOG_NAMES, logOf } from './log-batch.js';
import type { JournalRecord } from './log-entry.js';
import type { LogStoreWriter } from './log-store-writer.js';

export type { LogName } from './log-batch.js';
export type WriterHealth = 'ok' | 'spooling' | 'dropping';

export interface PipelineOptions {
  /** Where batches are written (see logWriterPlacement and createLogStoreWriter). */
  writer: LogStoreWriter;
  dataDir: string;
  /** The journal's directory; default `<dataDir>/log-journal` (see journalDirOf). */
  journalDir?: string;
  spoolMaxBytes: number;
  registry: Registry;
  logger: FastifyBaseLogger;
  batchSize?: number;
  /** How long appends may gather before a batch is written. */
  lingerMs?: number;
  retryMinMs?: number;
  retryMaxMs?: number;
  /** fdatasync period of the journal (group commit against power loss). */
  syncMs?: number;
}

function counters(registry: Registry) {
  const make = (what: string, help: string) =>
    new Counter({
      name: `keymanager_log_entries_${what}_total`,
      help,
      labelNames: ['log'] as const,
      registers: [registry],
    });
  return {
    queued: make('queued', 'Log entries accepted into the pipeline (journaled before the response).'),
    written: make('written', 'Log entries committed to the store.'),
    spooled: make('spooled', 'Log entries kept on disk while the store was unavailable.'),
    replayed: make('replayed', 'Spooled or left-over entries written once the store was back.'),
    dropped: make('dropped', 'Log entries lost because the spool reached KM_LOG_SPOOL_MAX_MB.'),
  };
}

/**
 * Journal, then batch writer. `append` is all the request path does; the entries of one event-loop
 * turn then reach the journal with one synchronous write, before their responses are released. The writer reads behind it and inserts batches, one transaction each; a failed batch stays
 * in the journal (the spool) and is retried with backoff, in order.
 */
export function createLogPipeline(options: PipelineOptions) {
  const { writer, logger } = options;
  const batchSize = options.batchSize ?? 1000;
  const lingerMs = options.lingerMs ?? 10;
  const retryMinMs = options.retryMinMs ?? 100;
  const retryMaxMs = options.retryMaxMs ?? 5000;
  // Opened on first use, so commands that build the services (migrate, api-keys) never touch the
  // journal of a server running on the same data directory.
  let opened: Journal | null = null;
  function journalNow(): Journal {
    if (!opened) {
      opened = openJournal(
        options.journalDir ?? journalDirOf(options.dataDir, undefined),
        options.spoolMaxBytes,
      );
      // Anything a previous process left in the journal is replayed first.
      if (opened.pendingBytes() > 0) schedule(0);
    }
    return opened;
  }
  const metrics = counters(options.registry);
  new Gauge({
    name: 'keymanager_log_spool_bytes',
    help: 'Bytes of log entries on disk not yet in the store.',
    registers: [options.registry],
    collect() {
      this.set(opened?.pendingBytes() ?? 0);
    },
  });

  let timer: NodeJS.Timeout | null = null;
  let draining: Promise<void> | null = null;
  let drainAgain = false;
  let failing = false;
  let retryMs = retryMinMs;
  let spooledUnwritten = 0;
  let lastDropAt = -Infinity;
  let lastDroppedAt = -Infinity;
  let droppedSinceWarning = 0;
  let closed = false;
  const syncTimer = setInterval(() => opened?.sync(() => {}), options.syncMs ?? 100);
  syncTimer.unref();

  function schedule(delay: number): void {
    if (timer || closed) return;
    timer = setTimeout(() => {
      timer = null;
      // A failed batch reschedules itself; the rejection only matters to an explicit flush().
      drain().catch(() => {});
    }, delay);
  }

  function drain(untilEmpty = false): Promise<void> {
    if (draining) {
      // Entries appended while a batch is in flight are the next linger's.
      drainAgain = true;
      return draining;
    }
    draining = drainLoop(untilEmpty).finally(() => {
      draining = null;
      if (drainAgain) schedule(lingerMs);
      drainAgain = false;
    });
    return draining;
  }

  /**
   * Writes batches while they come full (a backlog), then leaves what arrived meanwhile to the next
   * linger: every batch costs the event loop a fixed share (a message to the writer thread, the
   * commit), so small batches back to back would cost more than they save. A flush goes until empty.
   */
  async function drainLoop(untilEmpty: boolean): Promise<void> {
    for (;;) {
      // A process that never journaled (a CLI command on a running server's data directory) must not
      // take over, replay or delete the journal another process is writing.
      const journal = opened;
      if (!journal) return;
      let batch;
      try {
        batch = await writer.write(journal, batchSize);
      } catch (error) {
        if (!failing) logger.warn({ err: error }, 'log store unavailable; spooling entries to disk');
        failing = true;
        schedule(retryMs);
        retryMs = Math.min(retryMs * 2, retryMaxMs);
        throw error;
      }
      if (!batch) return;
      if (failing) logger.info('log store available again; replaying spooled entries');
      failing = false;
      retryMs = retryMinMs;
      journal.commit(batch.end);
      const replay = batch.leftover + Math.min(spooledUnwritten, batch.logs.length - batch.leftover);
      spooledUnwritten -= replay - batch.leftover;
      // The first `replay` lines are the spooled or left-over ones (the journal is in order).
      const written = [0, 0, 0];
      const replayed = [0, 0, 0];
      batch.logs.forEach((code, i) => {
        written[code]! += 1;
        if (i < replay) replayed[code]! += 1;
      });
      LOG_NAMES.forEach((log, code) => {
        if (written[code]) metrics.written.inc({ log }, written[code]);
        if (replayed[code]) metrics.replayed.inc({ log }, replayed[code]);
      });
      if (!untilEmpty && batch.logs.length < batchSize) return;
    }
  }

  // Group commit: the entries of one event-loop turn are serialised and journaled with one write, and
  // the responses that produced them are released after it (see afterJournal).
  let group: JournalRecord[] = [];
  let groupWaiters: (() => void)[] = [];
  let groupScheduled = false;

  function writeGroup(): void {
    groupScheduled = false;
    if (group.length === 0) return;
    const records = group;
    const waiters = groupWaiters;
    group = [];
    groupWaiters = [];
    let taken = 0;
    try {
      taken = journalNow().appendMany(records.map((record) => JSON.stringify(record)));
      if (taken < records.length) warnDrops(records.length - taken);
    } catch (error) {
      logger.error({ err: error }, 'log journal write failed');
    }
    // Counted once per log and group: a labelled increment costs about a microsecond on the request path.
    const queued = [0, 0, 0];
    const dropped = [0, 0, 0];
    records.forEach((record, i) => {
      (i < taken ? queued : dropped)[LOG_NAMES.indexOf(logOf(record))]! += 1;
    });
    if (taken < records.length) lastDroppedAt = Date.now();
    if (failing) spooledUnwritten += taken;
    LOG_NAMES.forEach((log, code) => {
      if (queued[code]) metrics.queued.inc({ log }, queued[code]);
      if (queued[code] && failing) metrics.spooled.inc({ log }, queued[code]);
      if (dropped[code]) metrics.dropped.inc({ log }, dropped[code]);
    });
    if (taken > 0) schedule(lingerMs);
    for (const waiter of waiters) waiter();
  }

  function warnDrops(count: number): void {
    const now = Date.now();
    droppedSinceWarning += count;
    if (now - lastDropAt < 60_000) return;
    logger.warn(
      { dropped: droppedSinceWarning, spoolMaxBytes: options.spoolMaxBytes },
      'log spool full: dropping log entries until the store is back',
    );
    lastDropAt = now;
    droppedSinceWarning = 0;
  }

  return {
    /** Where batches are written (see logWriterPlacement). */
    writer,

    /** Opens the journal and replays what an earlier process left; `serve` calls it at start. */
    start(): void {
      journalNow();
    },

    /**
     * Takes one masked entry into the current group; the group is journaled with one write at the end
     * of this event-loop turn. Never throws into the request.
     */
    append(record: JournalRecord): void {
      group.push(record);
      if (!groupScheduled) {
        groupScheduled = true;
        setImmediate(writeGroup);
      }
    },

    /** Calls back once every entry appended so far is in the journal: responses wait for this. */
    afterJournal(callback: () => void): void {
      if (group.length === 0) callback();
      else groupWaiters.push(callback);
    },

    /** Writes everything journaled so far; rejects if the store refuses. */
    async flush(): Promise<void> {
      writeGroup();
      if (timer) {
        clearTimeout(timer);
        timer = null;
      }
      await draining?.catch(() => {});
      await drain(true);
    },

    health(): WriterHealth {
      if (Date.now() - lastDroppedAt < 60_000) return 'dropping';
      return failing ? 'spooling' : 'ok';
    },

    /** Flushes what the store takes, then closes the journal; what it refused stays for the next start. */
    async close(): Promise<void> {
      writeGroup();
      try {
        await this.flush();
      } catch (error) {
        logger.error({ err: error }, 'log store unavailable at shutdown; entries stay in the journal');
      }
      closed = true;
      if (timer) clearTimeout(timer);
      clearInterval(syncTimer);
      await writer.close();
      opened?.close();
    },
  };
}

export type LogPipeline = ReturnType<typeof createLogPipeline>;
