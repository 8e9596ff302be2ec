// What retention costs the server on SQLite: 500,000 expired API-call entries deleted while the
// request-log writer (its own thread and connection) keeps storing new entries and the event loop
// keeps answering admin writes (an audited action: one transaction on the server's connection).
// Reported: deletion rate; the longest wait of the log writer (a flush of what it was given) and of an
// admin write, and the event-loop delay, each while pruning and, for comparison, without pruning.
// `npm run bench` builds dist/ first.
//
//   BENCH_ROWS     expired entries to delete (default 500000)
//   BENCH_RATE     new entries per second meanwhile (default 2000)
//   BENCH_POSTGRES_URL  also on PostgreSQL (a fresh schema, dropped afterwards): the same number of
//                       expired entries removed as one dropped day partition, then deleted row by row
//                       from the default partition
/* global setTimeout, Buffer -- Node globals */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import pino from 'pino';
import { Registry } from 'prom-client';
import { openDatabase } from '../dist/db/database.js';
import { migrateToLatest } from '../dist/db/migrate.js';
import { createActivityService, systemContext } from '../dist/logging/activity.service.js';
import { createLogIdGenerator } from '../dist/logging/log-entry.js';
import { createLogPipeline } from '../dist/logging/log-pipeline.js';
import { createLogStoreWriter } from '../dist/logging/log-store-writer.js';
import { createLoggingSettingsHolder, DEFAULT_LOGGING_SETTINGS } from '../dist/logging/logging-settings.js';
import { idToBytes } from '../dist/logging/request-log.codec.js';
import { createRetentionService } from '../dist/logging/retention/retention.service.js';
import { validateEntry } from './validate-entry.mjs';

const rows = Number(process.env.BENCH_ROWS ?? 500_000);
const rate = Number(process.env.BENCH_RATE ?? 2000);
const GROUP = 20;
const DAY_MS = 86_400_000;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const ms = (value) => value.toFixed(1);

/** Expired entries written straight to the file, one in twenty a failure (the failure indexes hold it). */
function seedExpired(file, count) {
  const raw = new SqliteDatabase(file);
  const nextId = createLogIdGenerator({ now: () => new Date(Date.now() - 200 * DAY_MS) });
  const insert = raw.prepare(
    `insert into api_call_log (id, endpoint_id, path, method, status, response_time_us, ip, request_size,
      response_size, user_agent_id, license_key, license_key_hash, channel, direction, error_code)
     values (?, null, null, 2, ?, 350, ?, 62, 180, null, '7K2M', ?, 0, 0, ?)`,
  );
  const hash = Buffer.alloc(16, 7);
  raw.transaction(() => {
    for (let i = 0; i < count; i++) {
      const failed = i % 20 === 0;
      insert.run(
        idToBytes(nextId()),
        failed ? 403 : 200,
        Buffer.from([203, 0, 113, i % 250]),
        hash,
        failed ? 'ERR_LICENSE_EXPIRED' : null,
      );
    }
  })();
  raw.close();
}

/** Load while `work` runs: entries to the writer, an admin write every 20 ms; the longest waits of each. */
async function underLoad(pipeline, activity, nextId, work) {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  let done = false;
  let sent = 0;
  let longestFlush = 0;
  let longestWrite = 0;
  const writer = (async () => {
    while (!done) {
      for (let i = 0; i < GROUP; i++) pipeline.append(validateEntry(nextId(), sent++));
      const started = performance.now();
      await pipeline.flush();
      longestFlush = Math.max(longestFlush, performance.now() - started);
      await sleep((1000 * GROUP) / rate);
    }
  })();
  const admin = (async () => {
    while (!done) {
      const started = performance.now();
      await activity.record(
        systemContext('bench'),
        { action_type: 'SETTINGS_UPDATED', resource_type: 'settings' },
        async () => {},
      );
      longestWrite = Math.max(longestWrite, performance.now() - started);
      await sleep(20);
    }
  })();
  const started = performance.now();
  const result = await work();
  const seconds = (performance.now() - started) / 1000;
  done = true;
  await Promise.all([writer, admin]);
  delay.disable();
  return {
    result,
    seconds,
    longestFlush,
    longestWrite,
    delayMax: delay.max / 1e6,
    delayP99: delay.percentile(99) / 1e6,
  };
}

/** `count` successful API calls in the first minutes of the UTC day `day` (ms), inserted by the server. */
async function seedDayPostgres(db, day, count) {
  const { sql } = await import('kysely');
  await sql`
    insert into api_call_log (id, method, status, response_time_us, ip, request_size, response_size,
      license_key, channel, direction)
    select decode(lpad(to_hex(${day}::bigint + g), 12, '0'), 'hex') || substring(decode(md5(g::text), 'hex') from 1 for 10),
      2, 200, 350, '\\xcb007107'::bytea, 62, 180, '7K2M', 0, 0
    from generate_series(1, ${count}::int) g`.execute(db);
}

async function postgresRun(url) {
  const schema = `bench_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  const database = openDatabase({ kind: 'postgres', url, schema });
  try {
    await migrateToLatest(database.db);
    let now = Date.now() - 200 * DAY_MS;
    const clock = { now: () => new Date(now) };
    const settings = createLoggingSettingsHolder(DEFAULT_LOGGING_SETTINGS);
    const activity = createActivityService({ db: database.db, clock, logger }, settings);
    const retention = createRetentionService({
      db: database.db,
      dialect: 'postgres',
      clock,
      logger,
      settings,
      activity,
    });
    const partitioned = Math.floor(now / DAY_MS) * DAY_MS;
    await retention.prepareAhead();
    await seedDayPostgres(database.db, partitioned, rows);
    // A day with no partition of its own: its entries sit in the default partition.
    await seedDayPostgres(database.db, partitioned - 10 * DAY_MS, rows);
    // First only the older day has expired (90 days' retention, 5 days after it), then both.
    now = partitioned - 10 * DAY_MS + 95 * DAY_MS;
    let started = performance.now();
    const byRows = await retention.prune();
    const rowSeconds = (performance.now() - started) / 1000;
    now = Date.now();
    started = performance.now();
    const byDays = await retention.prune();
    const daySeconds = (performance.now() - started) / 1000;
    const deleted = (outcomes) => outcomes.reduce((sum, o) => sum + o.deleted, 0);
    console.log(`\nretention on PostgreSQL: ${rows} expired successful calls, twice`);
    console.log(
      `deleted row by row (default partition, batches of 5,000): ${deleted(byRows)} in ${rowSeconds.toFixed(2)} s`,
    );
    console.log(`dropped as a day partition: ${deleted(byDays)} in ${daySeconds.toFixed(2)} s`);
  } finally {
    await database.destroy();
    await admin.query(`drop schema ${schema} cascade`);
    await admin.end();
  }
}

const dataDir = await mkdtemp(path.join(os.tmpdir(), 'keymanager-bench-retention-'));
const file = path.join(dataDir, 'keymanager.db');
const database = openDatabase({ kind: 'sqlite', file });
const logger = pino({ level: 'silent' });
try {
  await migrateToLatest(database.db);
  seedExpired(file, rows);
  const clock = { now: () => new Date() };
  const settings = createLoggingSettingsHolder(DEFAULT_LOGGING_SETTINGS);
  const activity = createActivityService({ db: database.db, clock, logger }, settings);
  const retention = createRetentionService({
    db: database.db,
    dialect: 'sqlite',
    clock,
    logger,
    settings,
    activity,
  });
  const pipeline = createLogPipeline({
    writer: createLogStoreWriter({ kind: 'sqlite', file }, database.db, logger),
    dataDir,
    spoolMaxBytes: 1024 * 1024 * 1024,
    registry: new Registry(),
    logger,
  });
  pipeline.start();
  const nextId = createLogIdGenerator(clock);

  // The writer thread's start and the first statements prepared are not what is measured.
  await underLoad(pipeline, activity, nextId, () => sleep(1000));
  const idle = await underLoad(pipeline, activity, nextId, () => sleep(3000));
  const pruning = await underLoad(pipeline, activity, nextId, () =>
    retention.prune({ logs: ['api_calls', 'failed_api_calls'] }),
  );
  await pipeline.close();
  const deleted = pruning.result.reduce((sum, outcome) => sum + outcome.deleted, 0);
  if (deleted !== rows) throw new Error(`deleted ${deleted} of ${rows} expired entries`);

  console.log(
    `\nretention on SQLite: ${rows} expired entries deleted while ${rate} new entries/s are stored`,
  );
  console.log(`deleted in ${pruning.seconds.toFixed(1)} s: ${Math.round(rows / pruning.seconds)} entries/s`);
  for (const [name, r] of [
    ['without pruning', idle],
    ['while pruning  ', pruning],
  ]) {
    console.log(
      `${name}: longest log-writer flush ${ms(r.longestFlush)} ms, longest admin write ${ms(r.longestWrite)} ms, ` +
        `event-loop delay p99 ${ms(r.delayP99)} ms, max ${ms(r.delayMax)} ms`,
    );
  }
  if (process.env.BENCH_POSTGRES_URL) await postgresRun(process.env.BENCH_POSTGRES_URL);
} catch (error) {
  console.error(`\nretention benchmark failed: ${error.message}`);
  process.exitCode = 1;
} finally {
  await database.destroy();
  await rm(dataDir, { recursive: true, force: true });
}
