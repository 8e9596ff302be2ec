import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config/config.js';
import type { Db } from '../db/database.js';
import type { Journal } from './journal.js';
import { writeBatch, type WrittenBatch } from './log-batch.js';
import { createRequestLogChainer } from './integrity/request-log-chain.js';
import { createLogWriterThread } from './log-writer-thread.js';
import { createRequestLogRepository } from './request-log.repository.js';

export type LogWriterPlacement = 'worker-thread' | 'event-loop';

/** Writes the next batch of the journal to the store; the pipeline commits, counts and retries. */
export interface LogStoreWriter {
  placement: LogWriterPlacement;
  /** Inserts up to `max` journaled entries after the committed position; null when there are none. */
  write(journal: Journal, max: number): Promise<WrittenBatch | null>;
  close(): Promise<void>;
}

export interface LogStoreWriterOptions {
  /** `config.integrity.enabled` (default on): entries join their log's hash chain as they are stored. */
  integrity?: boolean;
}

/**
 * Where the writer runs. A SQLite file gets a worker thread with its own connection: a batch insert
 * (a few ms of synchronous better-sqlite3 work per thousand rows, plus the WAL checkpoints it
 * triggers) would otherwise hold up every request. An in-memory database cannot be opened by a second
 * connection, and PostgreSQL's driver is asynchronous already: those write on the event loop.
 */
export function logWriterPlacement(database: Config['database']): LogWriterPlacement {
  if (database.kind !== 'sqlite') return 'event-loop';
  return database.file === ':memory:' || database.file === '' ? 'event-loop' : 'worker-thread';
}

/**
 * The writer on the event loop, over the application's own connection: for stores no other connection
 * can lock (in-memory SQLite) or whose driver does not block (PostgreSQL). On a SQLite file,
 * better-sqlite3 would wait out a lock held elsewhere on the event loop, stalling every request.
 */
export function createEventLoopWriter(db: Db, options: LogStoreWriterOptions = {}): LogStoreWriter {
  const target = {
    db,
    repository: createRequestLogRepository(db),
    chainer: (options.integrity ?? true) ? createRequestLogChainer() : null,
  };
  return {
    placement: 'event-loop',
    async write(journal, max) {
      const read = journal.read(max);
      return read.lines.length === 0 ? null : writeBatch(read, target);
    },
    async close() {},
  };
}

export function createLogStoreWriter(
  database: Config['database'],
  db: Db,
  logger: FastifyBaseLogger,
  options: LogStoreWriterOptions = {},
): LogStoreWriter {
  if (database.kind === 'sqlite' && logWriterPlacement(database) === 'worker-thread') {
    return createLogWriterThread(database.file, logger, options);
  }
  return createEventLoopWriter(db, options);
}
