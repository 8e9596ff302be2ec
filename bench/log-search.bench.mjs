// Searching the API-call log at size: p50/p95 of one page (50 entries) for the searches support runs
// most, against the goal of 20 ms p95 at 10 million entries on SQLite; and the bytes an entry takes,
// each index counted. `npm run bench` builds dist/ first.
//
//   BENCH_SEARCH_ROWS      API-call entries seeded (default 1000000; the goal is stated for 10000000)
//   BENCH_SEARCH_RUNS      searches measured per kind (default 300)
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import pino from 'pino';
import { loadConfig } from '../dist/config/config.js';
import { createLogIdGenerator, methodCode } from '../dist/logging/log-entry.js';
import { maskLicenseKey } from '../dist/logging/mask.js';
import { createRequestLogRepository } from '../dist/logging/request-log.repository.js';
import { createServices } from '../dist/services.js';
import { manualClock } from '../dist/shared/clock.js';

const ROWS = Number(process.env.BENCH_SEARCH_ROWS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_SEARCH_RUNS ?? 300);
const GOAL_P95_MS = 20;
const DAYS = 30;
const KEYS = 20_000;
const SEED_BATCH = 10_000;
const ENDPOINTS = [
  '/api/v1/licenses/validate',
  '/api/v1/licenses/activate',
  '/api/v1/licenses/deactivate',
  '/api/v1/licenses/status',
  '/api/v1/licenses/:id',
  '/api/v1/customers/:id',
];
const FAILURES = [
  [403, 'ERR_LICENSE_EXPIRED'],
  [403, 'ERR_LICENSE_SUSPENDED'],
  [404, 'ERR_LICENSE_NOT_FOUND'],
  [422, 'ERR_VALIDATION'],
  [401, 'ERR_INVALID_API_KEY'],
  [500, 'ERR_INTERNAL'],
];
const keyOf = (n) =>
  `${String(n).padStart(4, '0').slice(-4)}-${String(n >> 4)
    .padStart(4, '0')
    .slice(-4)}-BBBB-CCCC`;
// One customer with five licences; one key in fifty calls belongs to the busiest licence.
const CUSTOMER_KEYS = [11, 12, 13, 14, 15].map(keyOf);
const BUSY_KEY = keyOf(KEYS + 1);

/** Licence API traffic over DAYS days: one call in twenty fails; every key is called alike. */
async function seed(services, rows) {
  const repository = createRequestLogRepository(services.core.db);
  const hash = services.requestLogs.hashLicenseKey;
  const clock = manualClock('2025-01-01T00:00:00.000Z');
  const nextId = createLogIdGenerator(clock);
  const step = (DAYS * 86_400_000) / rows;
  // mulberry32: a repeatable data set, with well-mixed low bits.
  let state = 42;
  const next = (n) => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) % n;
  };
  for (let done = 0; done < rows; done += SEED_BATCH) {
    const batch = [];
    for (let i = done; i < Math.min(rows, done + SEED_BATCH); i++) {
      clock.set(new Date(Date.parse('2025-01-01T00:00:00.000Z') + i * step));
      const failure = next(20) === 0 ? FAILURES[next(FAILURES.length)] : null;
      const key = next(50) === 0 ? BUSY_KEY : keyOf(next(KEYS));
      const ip = `10.${next(256)}.${next(256)}.${next(256)}`;
      batch.push({
        id: nextId(),
        endpoint: ENDPOINTS[next(4)],
        path: null,
        method: methodCode('POST'),
        status: failure ? failure[0] : 200,
        response_time_us: 900 + next(2000),
        ip,
        api_key: null,
        api_key_id: 'key_01jxaaaaaaaaaaaaaaaaaaaaaa',
        request_size: 80,
        response_size: 310,
        user_agent: 'KeyManager-SDK/2.1.0 (linux; x64)',
        license_key: maskLicenseKey(key),
        license_key_hash: hash(key),
        license_id: failure ? null : 'lic_01jxcccccccccccccccccccccc',
        customer_id: failure ? null : 'cus_01jxdddddddddddddddddddddd',
        product_id: failure ? null : 'prd_01jxeeeeeeeeeeeeeeeeeeeeee',
        channel: 0,
        direction: 0,
        error_code: failure ? failure[1] : null,
        error_message: failure ? 'The licence has expired.' : null,
        stack_trace: null,
        validation_errors: null,
        retry_count: null,
        request_body: null,
        request_body_truncated: null,
      });
    }
    await services.core.db.transaction().execute((tx) => repository.insertBatch(batch, [], tx));
  }
}

async function catalogue(services) {
  const { products, customers, licenses } = services.licensing;
  const product = await products.create({ name: 'Editor' });
  const customer = await customers.create({ name: 'Acme' });
  for (const key of [...CUSTOMER_KEYS, BUSY_KEY]) {
    await licenses.create({ product_id: product.id, customer_id: customer.id, key });
  }
  return customer.id;
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function measure(label, search) {
  for (let i = 0; i < 20; i++) await search(i);
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    const page = await search(i);
    times.push(performance.now() - started);
    if (page.data.length === 0) throw new Error(`${label}: an empty page measures nothing`);
  }
  times.sort((a, b) => a - b);
  const p95 = percentile(times, 95);
  console.log(
    `${label.padEnd(48)} p50 ${percentile(times, 50).toFixed(2)} ms, p95 ${p95.toFixed(2)} ms, ` +
      `max ${times.at(-1).toFixed(2)} ms`,
  );
  return p95;
}

/** Bytes per entry of the table and of each of its indexes (SQLite's dbstat). */
async function bytesPerEntry(services, rows) {
  const { rows: sizes } = await sql`
    select name, sum(pgsize) as bytes from dbstat
    where name = 'api_call_log'
       or name in (select name from sqlite_master where tbl_name = 'api_call_log' and type = 'index')
    group by name order by name`.execute(services.core.db);
  const total = sizes.reduce((sum, row) => sum + row.bytes, 0);
  for (const { name, bytes } of sizes) {
    console.log(`  ${name.padEnd(36)} ${(bytes / rows).toFixed(1)} bytes/entry`);
  }
  console.log(`  ${'api_call_log, indexes included'.padEnd(36)} ${(total / rows).toFixed(1)} bytes/entry`);
}

const dataDir = await mkdtemp(path.join(os.tmpdir(), 'keymanager-bench-search-'));
const config = loadConfig({ KM_DATA_DIR: dataDir, KM_LOG_LEVEL: 'warn' });
const services = await createServices(config, { logger: pino({ level: 'warn' }) });
try {
  const seeding = performance.now();
  const customerId = await catalogue(services);
  await seed(services, ROWS);
  console.log(
    `sqlite: seeded ${ROWS.toLocaleString('en-US')} API calls in ${((performance.now() - seeding) / 1000).toFixed(1)} s`,
  );
  await bytesPerEntry(services, ROWS);
  const query = services.requestLogs.query;
  const day = (i) => new Date(Date.parse('2025-01-02T00:00:00.000Z') + (i % (DAYS - 2)) * 86_400_000);
  const window = (i) => ({
    from: day(i).toISOString(),
    to: new Date(day(i).getTime() + 86_400_000).toISOString(),
  });
  const keys = (i) => keyOf((i * 7919) % KEYS);
  const p95s = [
    await measure('time range + status >= 400 + endpoint', (i) =>
      query.failedApiCalls({ limit: 50, ...window(i), endpoint: ENDPOINTS[i % 4] }),
    ),
    await measure('time range + status 5xx + endpoint (all calls)', (i) =>
      query.apiCalls({ limit: 50, ...window(i), status: '5xx', endpoint: ENDPOINTS[i % 4] }),
    ),
    await measure('licence-key history, first page', (i) =>
      query.apiCalls({ limit: 50, license_key: keys(i) }),
    ),
    await measure('busiest licence key, first page', () =>
      query.apiCalls({ limit: 50, license_key: BUSY_KEY }),
    ),
    await measure('customer (6 licences) history, first page', () =>
      query.apiCalls({ limit: 50, customer_id: customerId }),
    ),
    await measure('time range + status >= 400 + address range /16', (i) =>
      query.failedApiCalls({ limit: 50, ...window(i), ip: `10.${i % 256}.0.0/16` }),
    ),
    await measure('time range + free text (a route pattern)', (i) =>
      query.apiCalls({ limit: 50, ...window(i), q: 'deactivate' }),
    ),
  ];
  // The goal covers the first filtered page and the licence-key history; the others are reported.
  const worst = Math.max(p95s[0], p95s[2]);
  console.log(
    `goal: the filtered page and the licence-key history under ${GOAL_P95_MS} ms p95 (at 10,000,000 entries): ` +
      `worse p95 of the two here ${worst.toFixed(2)} ms at ${ROWS.toLocaleString('en-US')} entries`,
  );
  if (worst >= GOAL_P95_MS) process.exitCode = 1;
} finally {
  await services.close();
  await rm(dataDir, { recursive: true, force: true });
}
