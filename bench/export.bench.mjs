// Streaming export of the activity log: rows per second for CSV and NDJSON, and the live heap while
// exporting (after a full collection, sampled as the export runs), which must stay flat however many
// rows there are. `npm run bench` builds dist/ first.
//
//   BENCH_EXPORT_ROWS      entries seeded and exported (default 1000000)
//   BENCH_POSTGRES_URL     also run on PostgreSQL (a fresh schema, dropped afterwards)
//   BENCH_POSTGRES_ROWS    entries for PostgreSQL (default BENCH_EXPORT_ROWS)
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import pg from 'pg';
import pino from 'pino';
import { loadConfig } from '../dist/config/config.js';
import { createBulkInsert } from '../dist/db/bulk-insert.js';
import { ipBytes } from '../dist/logging/ip-filter.js';
import { createLogIdGenerator, timestampOfId } from '../dist/logging/log-entry.js';
import { exportStream } from '../dist/logging/log-export.js';
import { logReaders } from '../dist/logging/log-readers.js';
import { createServices } from '../dist/services.js';
import { manualClock } from '../dist/shared/clock.js';

const ROWS = Number(process.env.BENCH_EXPORT_ROWS ?? 1_000_000);
const PG_URL = process.env.BENCH_POSTGRES_URL;
const PG_ROWS = Number(process.env.BENCH_POSTGRES_ROWS ?? ROWS);
const SEED_BATCH = 10_000;
const MB = 1024 * 1024;

v8.setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');
const liveHeap = () => {
  gc();
  return process.memoryUsage().heapUsed;
};

const COLUMNS = [
  'id',
  'timestamp',
  'admin_user',
  'actor_type',
  'actor_id',
  'channel',
  'action_type',
  'resource_type',
  'resource_id',
  'resource',
  'details',
  'result',
  'error_code',
  'ip',
  'session_id',
  'user_agent',
  'ip_bytes',
];
const ACTIONS = [
  'LICENSE_UPDATED',
  'LICENSE_SUSPENDED',
  'CUSTOMER_UPDATED',
  'PRODUCT_UPDATED',
  'ADMIN_LOGIN',
];

/** Realistic entries: a licence change with its before/after, an address, a user agent. */
async function seed(db, rows) {
  const insert = createBulkInsert('activity_log', COLUMNS, 500);
  const clock = manualClock('2025-01-01T00:00:00.000Z');
  const nextId = createLogIdGenerator(clock);
  for (let done = 0; done < rows; done += SEED_BATCH) {
    const batch = [];
    for (let i = done; i < Math.min(rows, done + SEED_BATCH); i++) {
      clock.advance(20);
      const id = nextId();
      const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
      batch.push({
        id,
        timestamp: timestampOfId(id),
        admin_user: `admin${i % 7}@example.test`,
        actor_type: 'admin',
        actor_id: null,
        channel: 'portal',
        action_type: ACTIONS[i % ACTIONS.length],
        resource_type: 'license',
        resource_id: `lic_${i}`,
        resource: `License lic_${i} (XXXX-XXXX-XXXX-7K2M)`,
        details: JSON.stringify({ changes: { max_activations: { before: i % 5, after: (i % 5) + 1 } } }),
        result: i % 50 === 0 ? 'failure' : 'success',
        error_code: i % 50 === 0 ? 'ERR_NOT_FOUND' : null,
        ip,
        session_id: 'sess_a4f8d2c1...',
        user_agent: 'Mozilla/5.0 (X11; Linux x86_64) KeyManager-Portal/1.0',
        ip_bytes: ipBytes(ip),
      });
    }
    await db.transaction().execute((tx) => insert(batch, tx));
  }
}

async function exportOnce(reader, format, rows) {
  const baseline = liveHeap();
  let peak = 0;
  let bytes = 0;
  let chunks = 0;
  const sink = new Writable({
    write(chunk, _encoding, done) {
      bytes += chunk.length;
      if (++chunks % 100 === 0) peak = Math.max(peak, liveHeap() - baseline);
      done();
    },
  });
  const started = performance.now();
  const stream = await exportStream(format, reader.columns, reader.list, {
    limit: 50,
    to: '2100-01-01T00:00:00.000Z',
  });
  await pipeline(stream, sink);
  const seconds = (performance.now() - started) / 1000;
  // The collections while sampling cost time too: report the rate of a second, unsampled run.
  return { bytes, peakMb: peak / MB, seconds, rate: rows / seconds };
}

async function unsampledRate(reader, format, rows) {
  let bytes = 0;
  const started = performance.now();
  const stream = await exportStream(format, reader.columns, reader.list, {
    limit: 50,
    to: '2100-01-01T00:00:00.000Z',
  });
  await pipeline(
    stream,
    new Writable({
      write(chunk, _encoding, done) {
        bytes += chunk.length;
        done();
      },
    }),
  );
  return { bytes, rate: rows / ((performance.now() - started) / 1000) };
}

async function run(label, database, rows) {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'keymanager-bench-export-'));
  const config = loadConfig({ KM_DATA_DIR: dataDir, KM_LOG_LEVEL: 'warn' });
  if (database) config.database = database;
  const services = await createServices(config, { logger: pino({ level: 'warn' }) });
  try {
    const seeding = performance.now();
    await seed(services.core.db, rows);
    console.log(
      `${label}: seeded ${rows.toLocaleString('en-US')} entries in ${((performance.now() - seeding) / 1000).toFixed(1)} s`,
    );
    const reader = logReaders(services.activity.query, services.requestLogs.query).activity;
    for (const format of ['csv', 'ndjson']) {
      const sampled = await exportOnce(reader, format, rows);
      const { rate } = await unsampledRate(reader, format, rows);
      console.log(
        `${label} ${format.padEnd(6)}: ${Math.round(rate).toLocaleString('en-US')} rows/s, ` +
          `${(sampled.bytes / MB).toFixed(0)} MB, live heap growth at most ${sampled.peakMb.toFixed(1)} MB`,
      );
    }
  } finally {
    await services.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await run('sqlite', null, ROWS);

if (PG_URL) {
  const schema = `bench_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  try {
    await run('postgres', { kind: 'postgres', url: PG_URL, schema }, PG_ROWS);
  } finally {
    await admin.query(`drop schema ${schema} cascade`);
    await admin.end();
  }
}
