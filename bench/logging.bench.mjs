// The cost of the request logs: (1) POST /api/v1/licenses/validate with every log on against every
// log off, two servers loaded in alternating rounds in one run; (2) entries per second the writer
// alone commits to SQLite from the journal, on its thread as in the server; (3) bytes per stored
// API-call entry, indexes included. `npm run bench` builds dist/ first.
//
//   BENCH_DURATION    seconds per round (default 5); BENCH_ROUNDS rounds per server (default 3)
//   BENCH_CONNECTIONS concurrent connections (default 50)
//   BENCH_ENTRIES     entries for the writer and size measurements (default 200000)
//   BENCH_GROUP       entries journaled per event-loop turn in the append measurement (default 32)
//   BENCH_PARTS       `writer` (the writer and size measurements), `http` (the servers) or both,
//                     comma-separated (default both)
/* global setImmediate -- a Node global */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { sql } from 'kysely';
import pino from 'pino';
import { Registry } from 'prom-client';
import { openDatabase } from '../dist/db/database.js';
import { migrateToLatest } from '../dist/db/migrate.js';
import { createLogIdGenerator } from '../dist/logging/log-entry.js';
import { createLogPipeline } from '../dist/logging/log-pipeline.js';
import { createLogStoreWriter } from '../dist/logging/log-store-writer.js';
import { freePort, startNode, stopAll, waitUntil } from './processes.mjs';
import { validateEntry } from './validate-entry.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const duration = Number(process.env.BENCH_DURATION ?? 5);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const entries = Number(process.env.BENCH_ENTRIES ?? 200_000);
const GROUP = Number(process.env.BENCH_GROUP ?? 32);
const parts = new Set((process.env.BENCH_PARTS ?? 'writer,http').split(',').map((p) => p.trim()));

async function startServer(logs) {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), `keymanager-bench-logs-${logs}-`));
  const port = await freePort();
  const env = {
    ...process.env,
    KM_PORT: String(port),
    KM_DATA_DIR: dataDir,
    KM_LOG_LEVEL: 'warn',
    BENCH_LOGS: logs,
  };
  delete env.KM_DATABASE_URL;
  delete env.KM_REDIS_URL;
  const server = startNode(`keymanager (logs ${logs})`, [path.join(root, 'bench/logging-server.mjs')], env);
  let seed;
  await waitUntil(server, 'the seed line', async () => {
    const line = server
      .output()
      .split('\n')
      .find((l) => l.startsWith('BENCH '));
    if (line) seed = JSON.parse(line.slice(6));
    return Boolean(seed);
  });
  return { logs, dataDir, url: `http://127.0.0.1:${port}/api/v1/licenses/validate`, ...seed };
}

async function round(server, seconds) {
  const result = await autocannon({
    url: server.url,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${server.key}` },
    body: JSON.stringify(server.body),
    connections,
    duration: seconds,
  });
  const bad = result.non2xx + result.errors + result.timeouts;
  if (bad > 0) throw new Error(`${bad} failed responses against logs ${server.logs}`);
  return { rps: result.requests.average, p99: result.latency.p99, total: result.requests.total };
}

async function alternating() {
  const on = await startServer('on');
  const off = await startServer('off');
  try {
    await round(on, 2);
    await round(off, 2);
    const results = { on: [], off: [] };
    for (let i = 0; i < rounds; i++) {
      // Alternate which goes first, so drift in the machine's speed hits both alike.
      const order = i % 2 === 0 ? [on, off] : [off, on];
      for (const server of order) results[server.logs].push(await round(server, duration));
    }
    const sum = (list, field) => list.reduce((a, r) => a + r[field], 0);
    const rps = (s) => sum(results[s], 'rps') / results[s].length;
    const p99 = (s) => Math.max(...results[s].map((r) => r.p99));
    for (const s of ['on', 'off']) {
      console.log(
        `logs ${s} rounds (req/s, p99 ms): ${results[s].map((r) => `${r.rps.toFixed(0)} ${r.p99}`).join(' | ')}`,
      );
    }
    return { onRps: rps('on'), offRps: rps('off'), onP99: p99('on'), offP99: p99('off'), results };
  } finally {
    await stopAll();
    await rm(on.dataDir, { recursive: true, force: true });
    await rm(off.dataDir, { recursive: true, force: true });
  }
}

async function writerAndSize() {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'keymanager-bench-writer-'));
  const file = path.join(dataDir, 'keymanager.db');
  const database = openDatabase({ kind: 'sqlite', file });
  try {
    await migrateToLatest(database.db);
    const pages = async () => {
      const count = (await sql`pragma page_count`.execute(database.db)).rows[0].page_count;
      const free = (await sql`pragma freelist_count`.execute(database.db)).rows[0].freelist_count;
      const size = (await sql`pragma page_size`.execute(database.db)).rows[0].page_size;
      return (count - free) * size;
    };
    await sql`pragma wal_checkpoint(TRUNCATE)`.execute(database.db);
    const before = await pages();
    const logger = pino({ level: 'silent' });
    const pipeline = createLogPipeline({
      // As the server writes: on its own thread and connection.
      writer: createLogStoreWriter({ kind: 'sqlite', file }, database.db, logger),
      dataDir,
      spoolMaxBytes: 4 * 1024 * 1024 * 1024,
      registry: new Registry(),
      logger,
      lingerMs: 60_000,
    });
    const nextId = createLogIdGenerator({ now: () => new Date() });
    const appendStart = process.hrtime.bigint();
    // Entries arrive in groups, as responses of one event-loop turn do; each group is journaled with
    // one write at the end of its turn.
    for (let i = 0; i < entries; i += GROUP) {
      for (let j = i; j < Math.min(i + GROUP, entries); j++) pipeline.append(validateEntry(nextId(), j));
      await new Promise((resolve) => setImmediate(resolve));
    }
    const appendNs = Number(process.hrtime.bigint() - appendStart);
    const start = process.hrtime.bigint();
    const cpuStart = process.cpuUsage();
    await pipeline.flush();
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const cpu = process.cpuUsage(cpuStart);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    await pipeline.close();
    await sql`pragma wal_checkpoint(TRUNCATE)`.execute(database.db);
    const bytes = (await pages()) - before;
    return {
      perSecond: entries / seconds,
      perCpuSecond: entries / cpuSeconds,
      appendUs: appendNs / entries / 1000,
      bytesPerEntry: bytes / entries,
    };
  } finally {
    await database.destroy();
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function reportWriter() {
  const writer = await writerAndSize();
  console.log(
    `writer alone (SQLite, from the journal): ${writer.perSecond.toFixed(0)} entries/s ` +
      `(goal >= 100000: ${writer.perSecond >= 100_000 ? 'meets' : 'BELOW'}); ` +
      `${writer.perCpuSecond.toFixed(0)} per CPU-second (the writer's own CPU time, steadier on a busy machine)`,
  );
  console.log(
    `journal append on the request path (groups of ${GROUP}): ${writer.appendUs.toFixed(2)} us per entry`,
  );
  console.log(
    `stored API-call entry, indexes included: ${writer.bytesPerEntry.toFixed(0)} bytes ` +
      `(goal <= 250: ${writer.bytesPerEntry <= 250 ? 'meets' : 'ABOVE'})`,
  );
}

async function reportHttp() {
  const http = await alternating();
  const ratio = http.onRps / http.offRps;
  console.log(
    `\nvalidate, ${connections} connections, ${rounds} alternating rounds of ${duration} s per server`,
  );
  console.log(`logs on : ${http.onRps.toFixed(0)} req/s, worst-round p99 ${http.onP99} ms`);
  console.log(`logs off: ${http.offRps.toFixed(0)} req/s, worst-round p99 ${http.offP99} ms`);
  console.log(
    `throughput on/off = ${ratio.toFixed(3)} (goal >= 0.95: ${ratio >= 0.95 ? 'meets' : 'BELOW'}); ` +
      `added p99 ${(http.onP99 - http.offP99).toFixed(2)} ms (goal <= 1 ms: ${http.onP99 - http.offP99 <= 1 ? 'meets' : 'ABOVE'})`,
  );
}

try {
  console.log(`\nNode ${process.version}, ${os.cpus().length} CPUs`);
  if (parts.has('writer')) await reportWriter();
  if (parts.has('http')) await reportHttp();
} catch (error) {
  console.error(`\nlogging benchmark failed: ${error.message}`);
  process.exitCode = 1;
} finally {
  await stopAll();
}
