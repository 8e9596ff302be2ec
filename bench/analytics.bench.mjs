// The logs' analytics at scale: seeds API-call entries spread over 30 days (a few dozen endpoints,
// about 3.5 % failures with a dozen error codes, thousands of licences and addresses), folds them into
// the rollups, then times each aggregate: p50 and p95 over repeated windows ending at varying instants.
// Goal: every aggregate under 50 ms p95 at 10 million entries. `npm run bench` builds dist/ first.
//
//   BENCH_ANALYTICS_ROWS   entries seeded on SQLite (default 10000000)
//   BENCH_ANALYTICS_RUNS   timed runs per query (default 40)
//   BENCH_POSTGRES_URL     also run on PostgreSQL (a fresh schema, dropped afterwards)
//   BENCH_POSTGRES_ROWS    entries for PostgreSQL (default 1000000)
import { Buffer } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import pino from 'pino';
import { loadConfig } from '../dist/config/config.js';
import { dictionaryHash, storedIp, storedLicenseKeyMask } from '../dist/logging/request-log.codec.js';
import { createServices } from '../dist/services.js';
import { manualClock } from '../dist/shared/clock.js';

const ROWS = Number(process.env.BENCH_ANALYTICS_ROWS ?? 10_000_000);
const RUNS = Number(process.env.BENCH_ANALYTICS_RUNS ?? 40);
const PG_URL = process.env.BENCH_POSTGRES_URL;
const PG_ROWS = Number(process.env.BENCH_POSTGRES_ROWS ?? 1_000_000);
const GOAL_MS = 50;
const DAYS = 30;
const START = Date.parse('2026-01-01T00:00:00.000Z');
const END = START + DAYS * 86_400_000;
const HOUR = 3_600_000;

const ENDPOINTS = Array.from({ length: 36 }, (_, i) =>
  i < 4
    ? [
        '/api/v1/licenses/validate',
        '/api/v1/licenses/activate',
        '/api/v1/licenses/status',
        '/api/v1/licenses/deactivate',
      ][i]
    : `/api/v1/resource${i}/{id}`,
);
const ERRORS = [
  [401, 'ERR_INVALID_API_KEY'],
  [401, 'ERR_API_KEY_EXPIRED'],
  [401, 'ERR_API_KEY_REVOKED'],
  [403, 'ERR_INSUFFICIENT_SCOPE'],
  [403, 'ERR_LICENSE_SUSPENDED'],
  [403, 'ERR_LICENSE_EXPIRED'],
  [403, 'ERR_ACTIVATION_LIMIT'],
  [404, 'ERR_LICENSE_NOT_FOUND'],
  [404, 'ERR_ACTIVATION_NOT_FOUND'],
  [422, 'ERR_VALIDATION'],
  [429, 'ERR_RATE_LIMITED'],
  [500, 'ERR_INTERNAL'],
];
const AGENTS = Array.from(
  { length: 24 },
  (_, i) => `KeyManager-SDK/2.${i % 8}.${i % 3} ${['Python/3.11', 'Node/20', 'Go/1.22'][i % 3]}`,
);
const LICENCES = 5_000;
const ADDRESSES = 3_000;
const licenceHashes = Array.from({ length: LICENCES }, () => randomBytes(16));
const licenceMasks = Array.from(
  { length: LICENCES },
  (_, i) => `XXXX-XXXX-XXXX-${String(i).padStart(4, '0')}`,
);
// Stored as the writer stores them (ADR 0003, "Compact rows"): address bytes, the key mask's last four
// characters, route patterns and user agents as dictionary codes 1..n (inserted before the entries).
const addresses = Array.from({ length: ADDRESSES }, (_, i) =>
  storedIp(`198.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`),
);
const storedMasks = licenceMasks.map(storedLicenseKeyMask);

/** A deterministic, skewed choice (popular endpoints, licences and addresses get more traffic). */
let seed = 42;
const random = () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x80000000;
};
const skewed = (n) => Math.floor(n * random() ** 2.5);

const COLUMNS = [
  'id',
  'endpoint_id',
  'method',
  'status',
  'response_time_us',
  'ip',
  'request_size',
  'response_size',
  'user_agent_id',
  'license_key',
  'license_key_hash',
  'channel',
  'direction',
  'error_code',
];

let pool = randomBytes(1 << 20);
let poolOffset = 0;

function entry(i, rows) {
  const ms = START + Math.floor((i * (END - START)) / rows);
  // The time part, then 10 random bytes from a pool (a crypto call per entry would dominate seeding).
  const id = Buffer.allocUnsafe(16);
  id.writeUIntBE(ms, 0, 6);
  if (poolOffset + 10 > pool.length) {
    pool = randomBytes(1 << 20);
    poolOffset = 0;
  }
  pool.copy(id, 6, poolOffset, poolOffset + 10);
  poolOffset += 10;
  const failed = random() < 0.035;
  const [status, errorCode] = failed ? ERRORS[skewed(ERRORS.length)] : [200, null];
  const licence = skewed(LICENCES);
  // Lognormal-ish response times around 4 ms with a long tail.
  const us = Math.round(4000 * Math.exp((random() + random() + random() - 1.5) * 1.6));
  return [
    id,
    skewed(ENDPOINTS.length) + 1,
    2,
    status,
    us,
    addresses[skewed(ADDRESSES)],
    80,
    200,
    skewed(AGENTS.length) + 1,
    storedMasks[licence],
    licenceHashes[licence],
    0,
    0,
    errorCode,
  ];
}

function seedSqlite(file, rows) {
  const db = new SqliteDatabase(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -1000000');
  // A bulk load: the licence-key index (random order) is rebuilt once at the end, as its migration
  // defines it, rather than updated entry by entry. Its time is part of the seeding time.
  const index = db
    .prepare(`select sql from sqlite_master where type = 'index' and name = 'api_call_log_license_id'`)
    .get().sql;
  db.exec('drop index api_call_log_license_id');
  for (const [table, values] of [
    ['log_endpoints', ENDPOINTS],
    ['log_user_agents', AGENTS],
  ]) {
    const add = db.prepare(`insert into ${table} (id, hash, value) values (?, ?, ?)`);
    values.forEach((value, i) => add.run(i + 1, dictionaryHash(value), value));
  }
  const insert = db.prepare(
    `insert into api_call_log (${COLUMNS.join(', ')}) values (${COLUMNS.map(() => '?').join(', ')})`,
  );
  const batch = db.transaction((from, to) => {
    for (let i = from; i < to; i++) insert.run(entry(i, rows));
  });
  for (let i = 0; i < rows; i += 1_000_000) batch(i, Math.min(rows, i + 1_000_000));
  db.exec(index);
  db.close();
}

async function seedPostgres(url, schema, rows) {
  const client = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
  await client.connect();
  for (const [table, values] of [
    ['log_endpoints', ENDPOINTS],
    ['log_user_agents', AGENTS],
  ]) {
    for (const [i, value] of values.entries()) {
      await client.query(`insert into ${table} (id, hash, value) values ($1, $2, $3)`, [
        i + 1,
        dictionaryHash(value),
        value,
      ]);
    }
    await client.query(`select setval(pg_get_serial_sequence('${table}', 'id'), ${values.length})`);
  }
  const types = [
    'bytea',
    'int',
    'int',
    'int',
    'int',
    'bytea',
    'int',
    'int',
    'int',
    'text',
    'bytea',
    'int',
    'int',
    'text',
  ];
  const select = types.map((t, i) => `$${i + 1}::${t}[]`).join(', ');
  for (let i = 0; i < rows; i += 20_000) {
    const columns = COLUMNS.map(() => []);
    for (let j = i; j < Math.min(rows, i + 20_000); j++) entry(j, rows).forEach((v, k) => columns[k].push(v));
    await client.query(
      `insert into api_call_log (${COLUMNS.join(', ')}) select * from unnest(${select})`,
      columns,
    );
  }
  await client.query('analyze');
  await client.end();
}

function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

async function time(label, query) {
  const times = [];
  for (let run = 0; run < RUNS; run++) {
    // Windows end at a different instant of the last day each run, never on a bucket boundary.
    const to = END - Math.floor(random() * 20 * HOUR) - 1234;
    const started = performance.now();
    await query(to);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const p95 = quantile(times, 0.95);
  console.log(
    `  ${label.padEnd(40)} p50 ${quantile(times, 0.5).toFixed(1).padStart(6)} ms   p95 ${p95.toFixed(1).padStart(6)} ms`,
  );
  return p95 <= GOAL_MS;
}

async function run(label, database, rows, seedRows) {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'keymanager-bench-analytics-'));
  const config = loadConfig({ KM_DATA_DIR: dataDir, KM_LOG_LEVEL: 'warn' });
  if (database) config.database = database;
  const clock = manualClock(new Date(END + HOUR));
  const services = await createServices(config, { clock, logger: pino({ level: 'warn' }) });
  let met = true;
  try {
    let started = performance.now();
    await seedRows(config.database, rows);
    const seeded = (performance.now() - started) / 1000;
    console.log(
      `${label}: seeded ${rows.toLocaleString('en-US')} entries in ${seeded.toFixed(1)} s (${Math.round(rows / seeded).toLocaleString('en-US')}/s)`,
    );
    // The longest the event loop waits during the fold: what any request in flight would wait.
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    started = performance.now();
    await services.analytics.job.runOnce();
    const folded = (performance.now() - started) / 1000;
    loopDelay.disable();
    console.log(
      `${label}: event-loop delay during the fold: max ${(loopDelay.max / 1e6).toFixed(1)} ms, ` +
        `p99 ${(loopDelay.percentile(99) / 1e6).toFixed(1)} ms, mean ${(loopDelay.mean / 1e6).toFixed(1)} ms`,
    );
    const db = services.core.db;
    const count = async (table) =>
      Number(
        (
          await db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    console.log(
      `${label}: folded in ${folded.toFixed(1)} s (${Math.round(rows / folded).toLocaleString('en-US')} entries/s); rollup rows: ` +
        `${(await count('api_call_rollup')).toLocaleString('en-US')} counts, ${(await count('api_call_latency_rollup')).toLocaleString('en-US')} histograms, ` +
        `${(await count('log_top_values')).toLocaleString('en-US')} top values`,
    );
    const analytics = services.analytics.service;
    const iso = (ms) => new Date(ms).toISOString();
    const last = (to, hours) => ({ from: iso(to - hours * HOUR), to: iso(to) });
    const queries = [
      [
        'hourly count over 7 days',
        (to) => analytics.timeseries('api-calls', { bucket: 'hour', ...last(to, 168) }),
      ],
      [
        'hourly failures of one endpoint, 7 days',
        (to) =>
          analytics.timeseries('api-calls', {
            bucket: 'hour',
            status_class: '4xx',
            endpoint: ENDPOINTS[0],
            ...last(to, 168),
          }),
      ],
      [
        'daily count over 30 days',
        (to) => analytics.timeseries('api-calls', { bucket: 'day', ...last(to, 720) }),
      ],
      [
        'top error codes over 24 h',
        (to) => analytics.top('api-calls', { by: 'error_code', limit: 10, ...last(to, 24) }),
      ],
      ['endpoints p50/p95/p99 over 24 h', (to) => analytics.endpoints('api-calls', last(to, 24))],
      ['endpoints p50/p95/p99 over 7 days', (to) => analytics.endpoints('api-calls', last(to, 168))],
      ['top IPs over 24 h', (to) => analytics.top('api-calls', { by: 'ip', limit: 10, ...last(to, 24) })],
      [
        'top licence keys over 7 days',
        (to) => analytics.top('api-calls', { by: 'license_key', limit: 10, ...last(to, 168) }),
      ],
      [
        'top user agents over 24 h',
        (to) => analytics.top('api-calls', { by: 'user_agent', limit: 10, ...last(to, 24) }),
      ],
      ['summary with unique IPs over 7 days', (to) => analytics.summary('api-calls', last(to, 168))],
      ['auth-failure rate over 24 h', (to) => analytics.authFailures(last(to, 24))],
    ];
    for (const [name, query] of queries) met = (await time(name, query)) && met;
  } finally {
    await services.close();
    await rm(dataDir, { recursive: true, force: true });
  }
  return met;
}

let met = await run('sqlite', null, ROWS, (database, rows) => seedSqlite(database.file, rows));

if (PG_URL) {
  const schema = `bench_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  try {
    met =
      (await run('postgres', { kind: 'postgres', url: PG_URL, schema }, PG_ROWS, (database, rows) =>
        seedPostgres(PG_URL, schema, rows),
      )) && met;
  } finally {
    await admin.query(`drop schema ${schema} cascade`);
    await admin.end();
  }
}
console.log(met ? `every aggregate under ${GOAL_MS} ms p95` : `an aggregate missed ${GOAL_MS} ms p95`);
process.exitCode = met ? 0 : 1;
