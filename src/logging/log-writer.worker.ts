// The log writer's thread (see log-writer-thread.ts): reads journal spans, inserts them through the
// request-log repository over its own SQLite connection, and answers with what the store took.
import { parentPort, workerData } from 'node:worker_threads';
import { sql } from 'kysely';
import { openDatabase } from '../db/database.js';
import { createRequestLogChainer } from './integrity/request-log-chain.js';
import { createJournalReader } from './journal.js';
import { writeBatch } from './log-batch.js';
import type { WriterReply, WriterRequest, WriterThreadData } from './log-writer-thread.js';
import { createRequestLogRepository } from './request-log.repository.js';

const { file, busyTimeoutMs, integrity } = workerData as WriterThreadData;
const port = parentPort!;
const database = openDatabase({ kind: 'sqlite', file });
const target = {
  db: database.db,
  repository: createRequestLogRepository(database.db),
  chainer: integrity ? createRequestLogChainer() : null,
};
const reader = createJournalReader();
// Waiting here holds up no request: the timeout only bounds how soon a store locked elsewhere is
// reported and spooled, while the server's own short write transactions are waited out.
const ready = sql`pragma busy_timeout = ${sql.raw(String(Math.trunc(busyTimeoutMs)))}`.execute(database.db);

async function handle(request: WriterRequest): Promise<WriterReply> {
  try {
    await ready;
    const read = reader.read(request.span, request.max);
    const batch = read.lines.length === 0 ? null : await writeBatch(read, target);
    return { id: request.id, batch };
  } catch (error) {
    const { message, code } = error as { message?: string; code?: string };
    return { id: request.id, error: { message: String(message ?? error), code } };
  }
}

port.on('message', (message: WriterRequest | { type: 'close' }) => {
  if (message.type === 'close') {
    reader.release();
    void database.destroy().finally(() => port.close());
    return;
  }
  void handle(message).then((reply) => port.postMessage(reply));
});
