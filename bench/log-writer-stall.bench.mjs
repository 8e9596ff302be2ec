// How long the request-log writer holds up the event loop, with the writer on its own thread against
// the writer on the event loop, over the same kind of SQLite file. Entries arrive in groups at a steady
// rate (as responses do), then a backlog is replayed; meanwhile a 1 ms timer measures event-loop delay.
// A delay is what every request in flight waits, whatever else runs on the machine. `npm run bench`
// builds dist/ first.
//
//   BENCH_RATE     entries per second while appending (default 8000)
//   BENCH_SECONDS  seconds of appending (default 5)
//   BENCH_BACKLOG  entries replayed at start, as after an outage (default 20000)
/* global setTimeout -- a Node global */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import pino from 'pino';
import { Registry } from 'prom-client';
import { openDatabase } from '../dist/db/database.js';
import { migrateToLatest } from '../dist/db/migrate.js';
import { createLogIdGenerator } from '../dist/logging/log-entry.js';
import { createLogPipeline } from '../dist/logging/log-pipeline.js';
import { createEventLoopWriter, createLogStoreWriter } from '../dist/logging/log-store-writer.js';
import { validateEntry } from './validate-entry.mjs';

const rate = Number(process.env.BENCH_RATE ?? 8000);
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const backlog = Number(process.env.BENCH_BACKLOG ?? 20_000);
const GROUP = 32;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function pipelineFor(placement, database, file, dataDir, logger, lingerMs = undefined) {
  const writer =
    placement === 'worker-thread'
      ? createLogStoreWriter({ kind: 'sqlite', file }, database.db, logger)
      : createEventLoopWriter(database.db);
  return createLogPipeline({
    writer,
    dataDir,
    spoolMaxBytes: 4 * 1024 * 1024 * 1024,
    registry: new Registry(),
    logger,
    lingerMs,
  });
}

const ms = (ns) => (ns / 1e6).toFixed(1);

async function measure(placement) {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), `keymanager-bench-stall-${placement}-`));
  const file = path.join(dataDir, 'keymanager.db');
  const database = openDatabase({ kind: 'sqlite', file });
  const logger = pino({ level: 'silent' });
  const nextId = createLogIdGenerator({ now: () => new Date() });
  try {
    await migrateToLatest(database.db);
    // A backlog left by an earlier process that stopped while the store was away: journaled only.
    const before = pipelineFor('event-loop', database, file, dataDir, logger, 60_000);
    before.start();
    for (let i = 0; i < backlog; i++) before.append(validateEntry(nextId(), i));
    await new Promise((resolve) => before.afterJournal(resolve));
    await database.db.schema.alterTable('api_call_log').renameTo('api_call_log_away').execute();
    await before.close();
    await database.db.schema.alterTable('api_call_log_away').renameTo('api_call_log').execute();

    const pipeline = pipelineFor(placement, database, file, dataDir, logger);
    const delay = monitorEventLoopDelay({ resolution: 1 });
    delay.enable();
    pipeline.start();
    const started = Date.now();
    let sent = 0;
    while (Date.now() - started < seconds * 1000) {
      const due = Math.floor(((Date.now() - started) / 1000) * rate);
      for (; sent < due; sent++) pipeline.append(validateEntry(nextId(), sent));
      await sleep(1000 / (rate / GROUP));
    }
    await pipeline.flush();
    delay.disable();
    await pipeline.close();
    return { p99: delay.percentile(99), max: delay.max, mean: delay.mean, sent };
  } finally {
    await database.destroy();
    await rm(dataDir, { recursive: true, force: true });
  }
}

try {
  console.log(
    `\nevent-loop delay while the writer replays ${backlog} entries, then takes ${rate} entries/s for ${seconds} s`,
  );
  for (const placement of ['event-loop', 'worker-thread', 'event-loop', 'worker-thread']) {
    const r = await measure(placement);
    console.log(
      `writer on ${placement.padEnd(13)}: delay mean ${ms(r.mean)} ms, p99 ${ms(r.p99)} ms, max ${ms(r.max)} ms`,
    );
  }
} catch (error) {
  console.error(`\nwriter stall benchmark failed: ${error.message}`);
  process.exitCode = 1;
}
