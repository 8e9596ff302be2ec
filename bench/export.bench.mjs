// Streaming export of the activity log and the API-call log: rows per second for CSV and NDJSON (goal:
// at least 200,000), and the live heap while exporting (after a full collection, sampled as the export
// runs), which must stay flat however many rows there are. `npm run bench` builds dist/ first.
//
//   BENCH_EXPORT_ROWS      entries seeded and exported, per log (default 1000000)
//   BENCH_EXPORT_LOGS      which logs (default activity,api-calls)
//   BENCH_EXPORT_PAGE      rows read per query (default: the exporter's own)
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
import { createRequestLogRepository } from '../dist/logging/request-log.repository.js';
import { exportStream } from '../dist/logging/log-export.js';
import { logReaders } from '../dist/logging/log-readers.js';
import { createServices } from '../dist/services.js';
import { manualClock } from '../dist/shared/clock.js';

const ROWS = Number(process.env.BENCH_EXPORT_ROWS ?? 1_000_000);
const PG_URL = process.env.BENCH_POSTGRES_URL;
const PG_ROWS = Number(process.env.BENCH_POSTGRES_ROWS ?? ROWS);
const LOGS = (process.env.BENCH_EXPORT_LOGS ?? 'activity,api-calls').split(',');
const GOAL = 200_000;
const PAGE = process.env.BENCH_EXPORT_PAGE ? { pageSize: Number(process.env.BENCH_EXPORT_PAGE) } : {};
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

const ENDPOINTS = [
  '/api/v1/licenses/validate',
  '/api/v1/licenses/activate',
  '/api/v1/licenses/deactivate',
  '/api/v1/licenses/{id}',
];
const USER_AGENTS = [
  'KeyManager-SDK/2.3.1 (node 20.11.0; linux x64)',
  'KeyManager-SDK/2.2.0 (dotnet 8.0; windows x64)',
  'curl/8.5.0',
];
const ulid = (prefix, n) => `${prefix}_01j${n.toString(32).padStart(23, '0')}`;

/**
 * API calls as the request path records them, stored through the repository (so in the table's compact
 * form): a validation by a known key for one of 1,000 licences; one in 20 failed, with its error.
 */
async function seedApiCalls(services, rows) {
  const repository = createRequestLogRepository(services.core.db);
  const { apiKey } = await services.apiKeys.create({ name: 'sdk', scope: 'licenses' });
  const clock = manualClock('2025-01-01T00:00:00.000Z');
  const nextId = createLogIdGenerator(clock);
  for (let done = 0; done < rows; done += SEED_BATCH) {
    const batch = [];
    for (let i = done; i < Math.min(rows, done + SEED_BATCH); i++) {
      clock.advance(20);
      const failed = i % 20 === 0;
      const endpoint = ENDPOINTS[i % ENDPOINTS.length];
      batch.push({
        id: nextId(),
        endpoint,
        path: endpoint.includes('{id}') ? `/api/v1/licenses/${ulid('lic', i % 1000)}` : null,
        method: 2,
        status: failed ? 404 : 200,
        response_time_us: 800 + (i % 700),
        ip: i % 10 === 0 ? `2001:db8::${(i & 0xffff).toString(16)}` : `203.0.${(i >> 8) & 255}.${i & 255}`,
        api_key: null,
        api_key_id: apiKey.id,
        request_size: 120 + (i % 40),
        response_size: failed ? 96 : 412,
        user_agent: USER_AGENTS[i % USER_AGENTS.length],
        license_key: `XXXX-XXXX-XXXX-${(1000 + (i % 9000)).toString(36).toUpperCase().padStart(4, '0')}`,
        license_key_hash: null,
        license_id: ulid('lic', i % 1000),
        customer_id: ulid('cus', i % 100),
        product_id: ulid('prd', i % 5),
        channel: 0,
        direction: 0,
        error_code: failed ? 'ERR_LICENSE_NOT_FOUND' : null,
        error_message: failed ? 'No licence matches this key.' : null,
        stack_trace: null,
        validation_errors: failed ? JSON.stringify([{ field: 'key', message: 'is unknown' }]) : null,
        retry_count: failed ? 0 : null,
        request_body: failed ? '{"key":"XXXX-XXXX-XXXX-7K2M","machine":"m-1"}' : null,
        request_body_truncated: failed ? 0 : null,
      });
    }
    await services.core.db.transaction().execute((tx) => repository.insertBatch(batch, [], tx));
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
  const stream = await exportStream(
    format,
    reader.columns,
    reader.list,
    {
      limit: 50,
      to: '2100-01-01T00:00:00.000Z',
    },
    PAGE,
  );
  await pipeline(stream, sink);
  const seconds = (performance.now() - started) / 1000;
  // The collections while sampling cost time too: report the rate of a second, unsampled run.
  return { bytes, peakMb: peak / MB, seconds, rate: rows / seconds };
}

async function unsampledRate(reader, format, rows) {
  let bytes = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const stream = await exportStream(
    format,
    reader.columns,
    reader.list,
    {
      limit: 50,
      to: '2100-01-01T00:00:00.000Z',
    },
    PAGE,
  );
  await pipeline(
    stream,
    new Writable({
      write(chunk, _encoding, done) {
        bytes += chunk.length;
        done();
      },
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const { user, system } = process.cpuUsage(cpu);
  // Other processes on the machine slow the wall clock; the CPU time is this export's own.
  return { bytes, rate: rows / seconds, cpuRate: rows / ((user + system) / 1e6) };
}

async function run(label, database, rows) {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'keymanager-bench-export-'));
  const config = loadConfig({ KM_DATA_DIR: dataDir, KM_LOG_LEVEL: 'warn' });
  if (database) config.database = database;
  const services = await createServices(config, { logger: pino({ level: 'warn' }) });
  try {
    const readers = logReaders(services.activity.query, services.requestLogs.query);
    for (const log of LOGS) {
      const seeding = performance.now();
      await (log === 'activity' ? seed(services.core.db, rows) : seedApiCalls(services, rows));
      console.log(
        `${label} ${log}: seeded ${rows.toLocaleString('en-US')} entries in ${((performance.now() - seeding) / 1000).toFixed(1)} s`,
      );
      for (const format of ['csv', 'ndjson']) {
        const sampled = await exportOnce(readers[log], format, rows);
        const { rate, cpuRate } = await unsampledRate(readers[log], format, rows);
        if (rate < GOAL) process.exitCode = 1;
        console.log(
          `${label} ${log} ${format.padEnd(6)}: ${Math.round(rate).toLocaleString('en-US')} rows/s` +
            `${rate < GOAL ? ' (goal 200,000)' : ''} (${Math.round(cpuRate).toLocaleString('en-US')} per CPU-second), ` +
            `${(sampled.bytes / MB).toFixed(0)} MB, ` +
            `live heap growth at most ${sampled.peakMb.toFixed(1)} MB`,
        );
      }
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
