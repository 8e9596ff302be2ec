import { once } from 'node:events';
import type { Worker } from 'node:worker_threads';
import type { FastifyBaseLogger } from 'fastify';
import { startWorkerThread } from '../shared/worker-thread.js';
import type { JournalSpan } from './journal.js';
import type { WrittenBatch } from './log-batch.js';
import type { LogStoreWriter, LogStoreWriterOptions } from './log-store-writer.js';

export interface WriterThreadData {
  file: string;
  busyTimeoutMs: number;
  integrity: boolean;
}
export interface WriterRequest {
  type: 'write';
  id: number;
  span: JournalSpan;
  max: number;
}
export type WriterReply =
  | { id: number; batch: WrittenBatch | null; error?: undefined }
  | { id: number; batch?: undefined; error: { message: string; code?: string } };

const BUSY_TIMEOUT_MS = 250;

export type LogWriterThread = LogStoreWriter & {
  /** The thread writing now, if any (a test stops it to show that a dying writer loses nothing). */
  readonly thread: Worker | null;
};

/**
 * The SQLite writer on a worker thread with its own connection to the database file (WAL lets both
 * connections work). The event loop keeps the journal, the retries and the metrics; the thread reads
 * the span it is given, parses and inserts, and answers. One batch is in flight at a time, so order is
 * kept. A thread that dies fails its batch like a refusing store: the pipeline retries it on a new
 * thread, and the idempotent insert makes a batch the dead thread had committed harmless.
 */
export function createLogWriterThread(
  file: string,
  logger: FastifyBaseLogger,
  options: LogStoreWriterOptions = {},
): LogWriterThread {
  let thread: Worker | null = null;
  let pending: {
    id: number;
    on: Worker;
    resolve: (batch: WrittenBatch | null) => void;
    reject: (e: Error) => void;
  } | null = null;
  let nextId = 1;

  function settle(reply: WriterReply): void {
    if (pending?.id !== reply.id) return;
    const { resolve, reject } = pending;
    pending = null;
    thread?.unref();
    if (reply.error) reject(Object.assign(new Error(reply.error.message), { code: reply.error.code }));
    else resolve(reply.batch);
  }

  function start(): Worker {
    const data: WriterThreadData = {
      file,
      busyTimeoutMs: BUSY_TIMEOUT_MS,
      integrity: options.integrity ?? true,
    };
    const started = startWorkerThread(import.meta.url, 'log-writer.worker', { workerData: data });
    // Idle, the thread must not keep the process alive; a batch in flight refs it (see write).
    started.unref();
    started.on('message', settle);
    started.on('error', (error) => logger.error({ err: error }, 'log writer thread failed'));
    started.on('exit', (code) => {
      if (thread === started) thread = null;
      if (pending?.on !== started) return;
      pending.reject(new Error(`log writer thread exited (code ${code})`));
      pending = null;
    });
    return started;
  }

  const writer: LogWriterThread = {
    placement: 'worker-thread',

    write(journal, max) {
      if (journal.pendingBytes() === 0) return Promise.resolve(null);
      const on = (thread ??= start());
      on.ref();
      const request: WriterRequest = { type: 'write', id: nextId++, span: journal.span(), max };
      return new Promise((resolve, reject) => {
        pending = { id: request.id, on, resolve, reject };
        on.postMessage(request);
      });
    },

    get thread() {
      return thread;
    },

    async close() {
      const closing = thread;
      if (!closing) return;
      // A thread that fails while closing still exits; its error is logged by the 'error' listener.
      const exited = once(closing, 'exit').catch(() => {});
      closing.ref();
      closing.postMessage({ type: 'close' });
      await exited;
    },
  };
  return writer;
}
