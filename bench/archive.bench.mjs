// Log archives: how fast a day of entries is archived (read, encoded, gzip level 9, written with its
// manifest) and restored (read, checked, inserted), in entries per second, and the bytes an archived
// entry takes (goal: at most 60). `npm run bench` builds dist/ first.
//
//   BENCH_ARCHIVE_ROWS      API calls seeded, over one UTC day (default 100000); activity and blocked
//                           requests a tenth of that each
//   BENCH_ARCHIVE_LICENCES  licences calling (default 2000)
//   BENCH_POSTGRES_URL      also run on PostgreSQL (a fresh schema, dropped afterwards)
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import pino from 'pino';
import { loadConfig } from '../dist/config/config.js';
import { ipBytes } from '../dist/logging/ip-filter.js';
import { createLogIdGenerator, idBoundary, methodCode, timestampOfId } from '../dist/logging/log-entry.js';
import { maskLicenseKey } from '../dist/logging/mask.js';
import { idToBytes } from '../dist/logging/request-log.codec.js';
import { createRequestLogRepository } from '../dist/logging/request-log.repository.js';
import { createServices } from '../dist/services.js';
import { manualClock } from '../dist/shared/clock.js';

const ROWS = Number(process.env.BENCH_ARCHIVE_ROWS ?? 100_000);
const LICENCES = Number(process.env.BENCH_ARCHIVE_LICENCES ?? 2000);
const PG_URL = process.env.BENCH_POSTGRES_URL;
const GOAL_BYTES = 60;
const DAY = '2025-03-10';
const SEED_BATCH = 5000;

// mulberry32: a repeatable data set.
let state = 7;
const next = (n) => {
  state = (state + 0x6d2b79f5) | 0;
  let t = Math.imul(state ^ (state >>> 15), 1 | state);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) % n;
};
const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';
const ulid = (prefix) => `${prefix}_01j${Array.from({ length: 23 }, () => CROCKFORD[next(32)]).join('')}`;
const KEY_CHARS = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const licenceKey = () =>
  Array.from({ length: 4 }, () =>
    Array.from({ length: 4 }, () => KEY_CHARS[next(KEY_CHARS.length)]).join(''),
  ).join('-');

const USER_AGENTS = [
  'KeyManager-SDK/2.3.1 (node 20.11.0; linux x64)',
  'KeyManager-SDK/2.2.0 (dotnet 8.0; windows x64)',
  'KeyManager-SDK/2.3.1 (python 3.12; darwin arm64)',
  'KeyManager-SDK/1.9.4 (java 17; linux x64)',
];
const ENDPOINTS = [
  ['/api/v1/licenses/validate', 85],
  ['/api/v1/licenses/status', 8],
  ['/api/v1/licenses/activate', 5],
  ['/api/v1/licenses/deactivate', 2],
];
const FAILURES = [
  [403, 'ERR_LICENSE_EXPIRED', 'The licence has expired.'],
  [403, 'ERR_LICENSE_SUSPENDED', 'The licence is suspended.'],
  [404, 'ERR_LICENSE_NOT_FOUND', 'No licence matches this key.'],
  [429, 'ERR_RATE_LIMITED', 'Too many requests.'],
];

/**
 * Licence traffic as the request path records it: each licence is a machine with its own address and
 * SDK calling now and then (a few busier than the rest), one call in twenty refused.
 */
function licences(hash) {
  const products = Array.from({ length: 5 }, () => ulid('prd'));
  const customers = Array.from({ length: Math.max(1, LICENCES / 10) }, () => ulid('cus'));
  const apiKeys = Array.from({ length: 3 }, () => ulid('key'));
  return Array.from({ length: LICENCES }, (_, i) => {
    const key = licenceKey();
    return {
      key: maskLicenseKey(key),
      hash: hash(key),
      id: ulid('lic'),
      customer: customers[i % customers.length],
      product: products[i % products.length],
      apiKey: apiKeys[i % apiKeys.length],
      ip:
        next(10) === 0
          ? `2001:db8:${next(65536).toString(16)}::${next(65536).toString(16)}`
          : `${next(223) + 1}.${next(256)}.${next(256)}.${next(256)}`,
      userAgent: USER_AGENTS[next(USER_AGENTS.length)],
    };
  });
}

function endpoint() {
  let roll = next(100);
  for (const [name, weight] of ENDPOINTS) {
    if (roll < weight) return name;
    roll -= weight;
  }
  return ENDPOINTS[0][0];
}

async function seed(services) {
  const repository = createRequestLogRepository(services.core.db);
  const all = licences(services.requestLogs.hashLicenseKey);
  const start = Date.parse(`${DAY}T00:00:00.000Z`);
  const clock = manualClock(start);
  const nextId = createLogIdGenerator(clock);
  const step = 86_400_000 / ROWS;
  for (let done = 0; done < ROWS; done += SEED_BATCH) {
    const calls = [];
    const blocked = [];
    for (let i = done; i < Math.min(ROWS, done + SEED_BATCH); i++) {
      clock.set(new Date(start + Math.floor(i * step)));
      // A fifth of the calls come from a twentieth of the licences.
      const l = next(5) === 0 ? all[next(Math.max(1, LICENCES / 20))] : all[next(LICENCES)];
      const failure = next(20) === 0 ? FAILURES[next(FAILURES.length)] : null;
      calls.push({
        id: nextId(),
        endpoint: endpoint(),
        path: null,
        method: methodCode('POST'),
        status: failure ? failure[0] : 200,
        response_time_us: 700 + next(1800),
        ip: l.ip,
        api_key: null,
        api_key_id: l.apiKey,
        request_size: 96 + next(3) * 8,
        response_size: failure ? 118 : 342,
        user_agent: l.userAgent,
        license_key: l.key,
        license_key_hash: l.hash,
        license_id: failure?.[0] === 404 ? null : l.id,
        customer_id: failure?.[0] === 404 ? null : l.customer,
        product_id: failure?.[0] === 404 ? null : l.product,
        channel: 0,
        direction: 0,
        error_code: failure ? failure[1] : null,
        error_message: failure ? failure[2] : null,
        stack_trace: null,
        validation_errors: null,
        retry_count: null,
        request_body: null,
        request_body_truncated: null,
      });
      if (i % 10 === 0) {
        blocked.push({
          id: nextId(),
          block_reason: 'RATE_LIMIT_EXCEEDED',
          rule_id: 'rate:ip',
          ip: `${next(223) + 1}.${next(256)}.${next(256)}.${next(256)}`,
          method: methodCode('POST'),
          path: '/api/v1/licenses/validate',
          api_key: null,
          user_agent: USER_AGENTS[next(USER_AGENTS.length)],
          country_code: ['US', 'DE', 'CN', 'BR'][next(4)],
          fingerprint: null,
          threat_score: 20 + next(5) * 10,
          matched_location: null,
        });
      }
    }
    await services.core.db.transaction().execute((tx) => repository.insertBatch(calls, blocked, tx));
  }
  const activity = [];
  for (let i = 0; i < ROWS / 10; i++) {
    clock.set(new Date(start + Math.floor(i * step * 10)));
    const id = nextId();
    const ip = `198.51.100.${next(20)}`;
    activity.push({
      id,
      timestamp: timestampOfId(id),
      admin_user: `admin${next(5)}@example.test`,
      actor_type: 'admin',
      actor_id: null,
      channel: 'portal',
      action_type: ['LICENSE_UPDATED', 'LICENSE_SUSPENDED', 'CUSTOMER_UPDATED', 'LOGS_SEARCHED'][next(4)],
      resource_type: 'license',
      resource_id: all[next(LICENCES)].id,
      resource: null,
      details: JSON.stringify({ changes: { max_activations: { before: next(5), after: next(5) + 1 } } }),
      result: 'success',
      error_code: null,
      ip,
      session_id: null,
      user_agent: 'Mozilla/5.0 (X11; Linux x86_64) KeyManager-Portal/1.0',
      ip_bytes: ipBytes(ip),
    });
    if (activity.length === 1000) {
      await services.core.db.insertInto('activity_log').values(activity.splice(0)).execute();
    }
  }
  if (activity.length) await services.core.db.insertInto('activity_log').values(activity).execute();
}

async function deleteDay(services) {
  const db = services.core.db;
  const bound = idBoundary('log', new Date(Date.parse(`${DAY}T00:00:00.000Z`) + 86_400_000), false);
  await db.deleteFrom('api_call_log').where('id', '<', idToBytes(bound)).execute();
  await db.deleteFrom('blocked_log').where('id', '<', idToBytes(bound)).execute();
  await db.deleteFrom('activity_log').where('id', '<', bound).execute();
}

async function run(label, configure) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'km-bench-archive-'));
  const config = loadConfig({ KM_LOG_LEVEL: 'silent', KM_DATA_DIR: dir });
  configure(config);
  const services = await createServices(config, { logger: pino({ level: 'silent' }) });
  let ok = true;
  try {
    await seed(services);
    const logs = ['api_calls', 'failed_api_calls', 'blocked', 'activity'];
    const before = new Date(Date.parse(`${DAY}T00:00:00.000Z`) + 86_400_000).toISOString().slice(0, 10);
    let started = performance.now();
    const reports = await services.archives.archiveDays(logs, before);
    const archiveSeconds = (performance.now() - started) / 1000;
    const entries = reports.reduce((sum, r) => sum + r.entries, 0);
    for (const r of reports) {
      const perEntry = r.bytes / r.entries;
      console.log(
        `${label} ${r.log.padEnd(17)} ${String(r.entries).padStart(7)} entries, ${perEntry.toFixed(1)} bytes each`,
      );
    }
    const requests = reports.filter((r) => r.log !== 'activity');
    const requestBytes =
      requests.reduce((sum, r) => sum + r.bytes, 0) / requests.reduce((sum, r) => sum + r.entries, 0);
    console.log(
      `${label} request logs: ${requestBytes.toFixed(1)} bytes per archived entry (goal <= ${GOAL_BYTES}) ${requestBytes <= GOAL_BYTES ? 'ok' : 'MISSED'}`,
    );
    ok = requestBytes <= GOAL_BYTES;
    console.log(
      `${label} archive: ${Math.round(entries / archiveSeconds)} entries/s (${entries} in ${archiveSeconds.toFixed(2)} s)`,
    );
    await deleteDay(services);
    started = performance.now();
    const restored = await services.archives.restore(logs, DAY, DAY);
    const restoreSeconds = (performance.now() - started) / 1000;
    if (restored.restored !== entries) throw new Error(`restored ${restored.restored} of ${entries}`);
    console.log(
      `${label} restore: ${Math.round(entries / restoreSeconds)} entries/s (${entries} in ${restoreSeconds.toFixed(2)} s)`,
    );
  } finally {
    await services.close();
    await rm(dir, { recursive: true, force: true });
  }
  return ok;
}

let ok = await run('sqlite', () => {});
if (PG_URL) {
  const schema = `bench_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  try {
    ok =
      (await run('postgres', (config) => (config.database = { kind: 'postgres', url: PG_URL, schema }))) &&
      ok;
  } finally {
    await admin.query(`drop schema if exists ${schema} cascade`);
    await admin.end();
  }
}
if (!ok) process.exitCode = 1;
