// The cost of the log hash chains (ADR 0009): (1) entries per second the request-log writer commits to
// SQLite from the journal, on its thread as in the server, with integrity on against integrity off,
// in alternating rounds; (2) bytes per stored API-call entry with integrity on (indexes included) and
// off; (3) entries per second readChain gives back, canonical forms recomputed, on one core; (4) POST
// /api/v1/licenses/validate with every log on, integrity on against integrity off (KM_LOG_INTEGRITY),
// two servers loaded in alternating rounds (goal: on/off >= 0.97). `npm run bench` builds dist/ first.
//
//   BENCH_ENTRIES     entries per writer round (default 100000)
//   BENCH_ROUNDS      rounds per setting (default 2 for the writer, 3 for the servers)
//   BENCH_GROUP       entries journaled per event-loop turn (default 32)
//   BENCH_DURATION    seconds per server round (default 5); BENCH_CONNECTIONS (default 50)
//   BENCH_PARTS       `writer` (1-3), `http` (4) or both, comma-separated (default both)
//   BENCH_FAILED_SHARE share of failed calls among the entries (default 0, as in logging.bench.mjs)
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
import { genesisHead } from '../dist/logging/integrity/chain.js';
import { liveChainSource, readChain, readChainHead } from '../dist/logging/integrity/chain-reads.js';
import { walkChain } from '../dist/logging/integrity/verify-entries.js';
import { mergedPages } from '../dist/logging/integrity/verify-log.js';
import { createLogIdGenerator } from '../dist/logging/log-entry.js';
import { createLogPipeline } from '../dist/logging/log-pipeline.js';
import { createLogStoreWriter } from '../dist/logging/log-store-writer.js';
import { freePort, startNode, stopAll, waitUntil } from './processes.mjs';
import { validateEntry } from './validate-entry.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const parts = new Set((process.env.BENCH_PARTS ?? 'writer,http').split(',').map((p) => p.trim()));
const duration = Number(process.env.BENCH_DURATION ?? 5);
const httpRounds = Number(process.env.BENCH_ROUNDS ?? 3);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);

const entries = Number(process.env.BENCH_ENTRIES ?? 100_000);
const rounds = Number(process.env.BENCH_ROUNDS ?? 2);

const GROUP = Number(process.env.BENCH_GROUP ?? 32);

/** The benchmarks' validate entry; BENCH_FAILED_SHARE of them failures (default 0). */
const failedEvery =
  Number(process.env.BENCH_FAILED_SHARE ?? 0) > 0
    ? Math.round(1 / Number(process.env.BENCH_FAILED_SHARE))
    : 0;
function entry(id, i) {
  return validateEntry(id, i, failedEvery > 0 && i % failedEvery === failedEvery - 1);
}

async function writerRound(integrity, keep) {
  const dataDir = await mkdtemp(
    path.join(os.tmpdir(), `keymanager-bench-chain-${integrity ? 'on' : 'off'}-`),
  );
  const file = path.join(dataDir, 'keymanager.db');
  const database = openDatabase({ kind: 'sqlite', file });
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
    writer: createLogStoreWriter({ kind: 'sqlite', file }, database.db, logger, { integrity }),
    dataDir,
    spoolMaxBytes: 4 * 1024 * 1024 * 1024,
    registry: new Registry(),
    logger,
    lingerMs: 60_000,
  });
  const nextId = createLogIdGenerator({ now: () => new Date() });
  for (let i = 0; i < entries; i += GROUP) {
    for (let j = i; j < Math.min(i + GROUP, entries); j++) pipeline.append(entry(nextId(), j));
    await new Promise((resolve) => setImmediate(resolve));
  }
  const start = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  await pipeline.flush();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpuStart);
  await pipeline.close();
  await sql`pragma wal_checkpoint(TRUNCATE)`.execute(database.db);
  const bytes = (await pages()) - before;
  const result = {
    perSecond: entries / seconds,
    perCpuSecond: entries / ((cpu.user + cpu.system) / 1e6),
    bytesPerEntry: bytes / entries,
  };
  if (keep) return { ...result, database, dataDir };
  await database.destroy();
  await rm(dataDir, { recursive: true, force: true });
  return result;
}

/** Entries per second of `pass` over a whole log, by the clock and by this process's CPU time. */
async function rate(pass) {
  const start = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  const n = await pass();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpuStart);
  return { n, perSecond: n / seconds, perCpuSecond: n / ((cpu.user + cpu.system) / 1e6) };
}

/** readChain over a whole log, and the verifier's walk over the same entries read again. */
async function readRate(db, log) {
  const { count } = await readChainHead(db, log);
  const read = await rate(async () => {
    let n = 0;
    for await (const e of readChain(db, log, 1, count)) if (e.seq > 0) n++;
    return n;
  });
  let bad = 0;
  // What `keymanager logs verify` runs over the live entries: the walk with every hash recomputed.
  const verify = await rate(async () => {
    const walk = await walkChain({
      log,
      pages: mergedPages([liveChainSource(db)], log, 1, count),
      fromSeq: 1,
      toSeq: count,
      retainedFrom: 1,
      startHead: genesisHead(log).toString('hex'),
      knownHeads: new Map(),
    });
    bad = walk.problems.length;
    return walk.entriesChecked;
  });
  return { count, bad, read, verify };
}

async function startServer(integrity) {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), `keymanager-bench-integrity-${integrity}-`));
  const port = await freePort();
  const env = {
    ...process.env,
    KM_PORT: String(port),
    KM_DATA_DIR: dataDir,
    KM_LOG_LEVEL: 'warn',
    KM_LOG_INTEGRITY: integrity,
    BENCH_LOGS: 'on',
  };
  delete env.KM_DATABASE_URL;
  delete env.KM_REDIS_URL;
  const server = startNode(
    `keymanager (integrity ${integrity})`,
    [path.join(root, 'bench/logging-server.mjs')],
    env,
  );
  let seed;
  await waitUntil(server, 'the seed line', async () => {
    const line = server
      .output()
      .split('\n')
      .find((l) => l.startsWith('BENCH '));
    if (line) seed = JSON.parse(line.slice(6));
    return Boolean(seed);
  });
  return { integrity, dataDir, url: `http://127.0.0.1:${port}/api/v1/licenses/validate`, ...seed };
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
  if (bad > 0) throw new Error(`${bad} failed responses with integrity ${server.integrity}`);
  return { rps: result.requests.average, p99: result.latency.p99 };
}

/** One pairing of the two servers, `first` started first; the per-setting mean req/s and worst p99. */
async function pairing(first) {
  const second = first === 'on' ? 'off' : 'on';
  const servers = { [first]: await startServer(first) };
  servers[second] = await startServer(second);
  const { on, off } = servers;
  try {
    await round(on, 2);
    await round(off, 2);
    const results = { on: [], off: [] };
    for (let i = 0; i < httpRounds; i++) {
      // Alternate which goes first, so drift in the machine's speed hits both alike.
      const order = i % 2 === 0 ? [on, off] : [off, on];
      for (const server of order) results[server.integrity].push(await round(server, duration));
    }
    const rps = (s) => results[s].reduce((a, r) => a + r.rps, 0) / results[s].length;
    const p99 = (s) => Math.max(...results[s].map((r) => r.p99));
    for (const s of ['on', 'off']) {
      console.log(
        `  integrity ${s.padEnd(3)}: ${rps(s).toFixed(0)} req/s, worst-round p99 ${p99(s)} ms ` +
          `(rounds ${results[s].map((r) => r.rps.toFixed(0)).join(' | ')})`,
      );
    }
    return rps('on') / rps('off');
  } finally {
    await stopAll();
    await rm(on.dataDir, { recursive: true, force: true });
    await rm(off.dataDir, { recursive: true, force: true });
  }
}

/**
 * On a small shared machine the server started first ran measurably slower than the other whatever its
 * setting, so the comparison runs twice, each setting started first once, and the ratio is the
 * geometric mean of the two pairings' ratios.
 */
async function reportHttp() {
  console.log(
    `\nvalidate, every log on, ${connections} connections, ${httpRounds} alternating rounds of ${duration} s`,
  );
  const ratios = [];
  for (const first of ['on', 'off']) {
    console.log(`integrity ${first} started first:`);
    ratios.push(await pairing(first));
    console.log(`  on/off = ${ratios.at(-1).toFixed(3)}`);
  }
  const ratio = Math.sqrt(ratios[0] * ratios[1]);
  console.log(
    `throughput integrity on/off = ${ratio.toFixed(3)} (goal >= 0.97: ${ratio >= 0.97 ? 'meets' : 'BELOW'})`,
  );
  if (ratio < 0.97) process.exitCode = 1;
}

async function reportWriter() {
  const results = { on: [], off: [] };
  for (let i = 0; i < rounds; i++) {
    const order = i % 2 === 0 ? [true, false] : [false, true];
    for (const integrity of order)
      results[integrity ? 'on' : 'off'].push(await writerRound(integrity, false));
  }
  const mean = (list, field) => list.reduce((a, r) => a + r[field], 0) / list.length;
  for (const s of ['on', 'off']) {
    console.log(
      `writer, integrity ${s.padEnd(3)}: ${mean(results[s], 'perSecond').toFixed(0)} entries/s ` +
        `(rounds ${results[s].map((r) => r.perSecond.toFixed(0)).join(' | ')}); ` +
        `${mean(results[s], 'perCpuSecond').toFixed(0)} per CPU-second; ` +
        `${mean(results[s], 'bytesPerEntry').toFixed(0)} bytes per stored entry`,
    );
  }
  const ratio = mean(results.on, 'perSecond') / mean(results.off, 'perSecond');
  const cpuRatio = mean(results.on, 'perCpuSecond') / mean(results.off, 'perCpuSecond');
  const bytesOn = mean(results.on, 'bytesPerEntry');
  console.log(`writer throughput on/off = ${ratio.toFixed(3)} (per CPU-second ${cpuRatio.toFixed(3)})`);
  console.log(
    `stored API-call entry with integrity on, indexes included: ${bytesOn.toFixed(0)} bytes ` +
      `(goal <= 250: ${bytesOn <= 250 ? 'meets' : 'ABOVE'})`,
  );
  const kept = await writerRound(true, true);
  try {
    const { count, bad, read, verify } = await readRate(kept.database.db, 'api_calls');
    if (bad !== 0 || read.n !== count) throw new Error(`chain of ${count} read ${read.n}, ${bad} bad`);
    console.log(
      `readChain (SQLite, ${count} entries): ${read.perSecond.toFixed(0)} entries/s, ` +
        `${read.perCpuSecond.toFixed(0)} per CPU-second ` +
        `(goal >= 200000: ${read.perSecond >= 200_000 ? 'meets' : 'BELOW'})`,
    );
    console.log(
      `verification reading the live entries: ${verify.perSecond.toFixed(0)} entries/s, ` +
        `${verify.perCpuSecond.toFixed(0)} per CPU-second, ` +
        `${((10 * verify.perCpuSecond) / 1e6).toFixed(2)} million per 10 s on one core ` +
        `(goal >= 1: ${verify.perCpuSecond >= 100_000 ? 'meets' : 'BELOW'})`,
    );
    if (bytesOn > 250 || read.perSecond < 200_000) process.exitCode = 1;
  } finally {
    await kept.database.destroy();
    await rm(kept.dataDir, { recursive: true, force: true });
  }
}

try {
  console.log(`\nNode ${process.version}, ${os.cpus().length} CPUs`);
  if (parts.has('writer')) await reportWriter();
  if (parts.has('http')) await reportHttp();
} catch (error) {
  console.error(`\nlog-chain benchmark failed: ${error.stack ?? error.message}`);
  process.exitCode = 1;
} finally {
  await stopAll();
}
