// Throughput of POST /api/v1/licenses/validate with one server process against `serve --workers 2`,
// both on one PostgreSQL schema and one Redis, with every log on (the defaults). Goal: ≥ 1.6× with two.
// Both servers run side by side (each its own data directory, sharing the hash and signing keys as
// production processes must) and are loaded in alternating rounds, so drift on a shared machine hits
// both alike. Besides requests per second, every round reports the CPU time the server processes used
// (primary and workers, from /proc) and the requests per server CPU-second: on a machine with few
// cores the load generator (autocannon, in this process) takes a core's share too, so the measured
// ratio is bounded by the cores left to the servers, while the per-CPU-second figure shows whether a
// second worker costs anything beyond the CPU it gets. `npm run bench` builds dist/ first.
//
//   BENCH_POSTGRES_URL   required (a fresh schema is created and dropped); without it the benchmark skips
//   BENCH_REDIS_URL      default redis://127.0.0.1:6379
//   BENCH_DURATION       seconds per round and server (default 5), after a 2 s warm-up
//   BENCH_ROUNDS         rounds (default 3); the ratio is the median of the rounds
//   BENCH_CONNECTIONS    concurrent connections (default 50)
//   BENCH_WORKERS        workers of the second server (default 2)
/* global fetch -- Node 20 has it built in */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';
import { freePort, startNode, stopAll, waitUntil } from './processes.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'dist', 'cli', 'main.js');
const PG_URL = process.env.BENCH_POSTGRES_URL;
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const duration = Number(process.env.BENCH_DURATION ?? 5);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const workers = Number(process.env.BENCH_WORKERS ?? 2);
const GOAL = 1.6;
const TICKS_PER_SECOND = 100; // Linux USER_HZ, what /proc/<pid>/stat counts in

/** CPU seconds (user + system) of a process and all its descendants, from /proc. */
function cpuSecondsOfTree(pid) {
  let ticks = 0;
  const visit = (id) => {
    try {
      const stat = readFileSync(`/proc/${id}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
      // Cluster workers are forked by the main thread, whose task id is the process id.
      const children = readFileSync(`/proc/${id}/task/${id}/children`, 'utf8').trim();
      for (const child of children ? children.split(' ') : []) visit(Number(child));
    } catch {
      // the process ended meanwhile
    }
  };
  visit(pid);
  return ticks / TICKS_PER_SECOND;
}

async function api(base, key, method, url, body) {
  const response = await fetch(base + url, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${url} answered ${response.status}: ${text}`);
  return JSON.parse(text);
}

async function startKeyManager(name, env, args) {
  const port = await freePort();
  const server = startNode(name, [cli, 'serve', ...args], { ...env, KM_PORT: String(port) });
  const base = `http://127.0.0.1:${port}`;
  await waitUntil(
    server,
    'GET /readyz answered ready',
    async () => {
      const response = await fetch(`${base}/readyz`);
      return response.ok && (await response.json()).status === 'ready';
    },
    180_000,
  );
  return { name, server, base };
}

/** Admin key from the CLI, then product, licence, licence-scoped key and one activation. */
async function seed(base, env) {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [cli, 'api-keys', 'create', '--name', 'bench', '--admin'],
    { env },
  );
  const admin = stdout.trim().split('\n').at(-1).trim();
  const product = await api(base, admin, 'POST', '/api/v1/products', { name: 'Bench product' });
  const licence = await api(base, admin, 'POST', '/api/v1/licenses', {
    product_id: product.id,
    max_activations: null,
  });
  const created = await api(base, admin, 'POST', '/api/v1/api-keys', { name: 'sdk', scope: 'licenses' });
  const key = JSON.stringify(created).match(/km_(live|test)_[0-9A-Za-z]{32}/)[0];
  // All the load comes from one address: limits it never reaches, so every check runs and none refuses.
  const unlimited = { limit: 1_000_000, window_seconds: 1 };
  await api(base, admin, 'PUT', '/api/v1/security/rate-limits', {
    per_ip: unlimited,
    per_api_key: unlimited,
    per_license_key: unlimited,
  });
  const body = { license_key: licence.key, fingerprint: `bench-${randomBytes(8).toString('hex')}` };
  await api(base, key, 'POST', '/api/v1/licenses/activate', body);
  return { key, body: JSON.stringify(body) };
}

async function load(target, { key, body }) {
  const options = {
    url: `${target.base}/api/v1/licenses/validate`,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body,
    connections,
  };
  await autocannon({ ...options, duration: Math.min(2, duration) });
  const serverCpuBefore = cpuSecondsOfTree(target.server.child.pid);
  const ownCpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  const result = await autocannon({ ...options, duration });
  const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  const serverCpu = cpuSecondsOfTree(target.server.child.pid) - serverCpuBefore;
  const own = process.cpuUsage(ownCpuBefore);
  const failed = result.non2xx + result.errors + result.timeouts;
  if (failed > 0) throw new Error(`${target.name}: ${failed} responses were not 200`);
  return {
    name: target.name,
    rps: result.requests.total / wallSeconds,
    p99: result.latency.p99,
    serverCores: serverCpu / wallSeconds,
    perCpuSecond: result.requests.total / serverCpu,
    loadCores: (own.user + own.system) / 1e6 / wallSeconds,
  };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main() {
  if (!PG_URL) {
    console.log('skipped: set BENCH_POSTGRES_URL (and BENCH_REDIS_URL, default 127.0.0.1:6379) to run it');
    return;
  }
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run "npm run build" (npm run bench does it)`);
  const schema = `bench_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  const dirs = [];
  try {
    const separator = PG_URL.includes('?') ? '&' : '?';
    const base = { ...process.env, KM_LOG_LEVEL: 'warn', KM_HOST: '127.0.0.1', KM_REDIS_URL: REDIS_URL };
    base.KM_DATABASE_URL = `${PG_URL}${separator}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    delete base.KM_WORKERS;
    for (let i = 0; i < 2; i++) dirs.push(await mkdtemp(path.join(os.tmpdir(), 'keymanager-bench-scaling-')));
    const envOf = (dir) => ({ ...base, KM_DATA_DIR: dir });
    const single = await startKeyManager('1 process', envOf(dirs[0]), []);
    const seeded = await seed(single.base, envOf(dirs[0]));
    // Processes sharing a database share the licence-key hash secret and the checkpoint signing key.
    for (const file of ['log-hash.key', 'checkpoint-signing.pem']) {
      copyFileSync(path.join(dirs[0], file), path.join(dirs[1], file));
    }
    const cluster = await startKeyManager(`--workers ${workers}`, envOf(dirs[1]), [
      '--workers',
      String(workers),
    ]);
    const loadBefore = os.loadavg();
    const rows = [];
    const ratios = [];
    for (let round = 1; round <= rounds; round++) {
      const one = await load(single, seeded);
      const many = await load(cluster, seeded);
      rows.push({ round, ...one }, { round, ...many });
      ratios.push(many.rps / one.rps);
    }
    const line = (cells) => cells.map((cell, i) => String(cell).padStart(i < 2 ? 0 : 11)).join(' ');
    console.log(
      `\nNode ${process.version}, ${os.cpus().length} CPUs, PostgreSQL + Redis, every log on, ` +
        `${connections} connections, ${duration} s per round; load generator: autocannon in this process`,
    );
    // A shared machine's other load decides what the servers get: "server cores" below shows it.
    console.log(`load average before: ${loadBefore.map((l) => l.toFixed(1)).join(', ')}`);
    console.log(
      line(['round ', 'server'.padEnd(12), 'req/s', 'p99 ms', 'server cores', 'req/CPU-s', 'load cores']),
    );
    for (const r of rows) {
      console.log(
        line([
          `${r.round}     `,
          r.name.padEnd(12),
          r.rps.toFixed(0),
          r.p99,
          r.serverCores.toFixed(2),
          r.perCpuSecond.toFixed(0),
          r.loadCores.toFixed(2),
        ]),
      );
    }
    const ratio = median(ratios);
    const perCpu = (name) => median(rows.filter((r) => r.name === name).map((r) => r.perCpuSecond));
    const efficiency = perCpu(cluster.name) / perCpu(single.name);
    console.log(
      `\nthroughput ${cluster.name} / 1 process per round: ${ratios.map((r) => r.toFixed(2)).join(', ')}`,
    );
    console.log(
      `throughput ratio (median) = ${ratio.toFixed(2)}× (${ratio >= GOAL ? 'meets' : 'BELOW'} the ${GOAL}× goal)`,
    );
    console.log(
      `requests per server CPU-second, ${cluster.name} / 1 process = ${efficiency.toFixed(2)} ` +
        `(1.00: a worker costs nothing beyond the CPU it gets)`,
    );
    if (os.cpus().length <= workers) {
      console.log(
        `note: ${os.cpus().length} CPUs for ${workers} workers and the load generator: the servers cannot get ` +
          `${workers} whole cores here ("server cores" above), so the measured ratio understates what ` +
          `${workers} workers give on a machine with a core each; the per-CPU-second ratio is the fair comparison.`,
      );
    }
    if (ratio < GOAL) process.exitCode = 1;
  } finally {
    await stopAll();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
    await admin.query(`drop schema if exists ${schema} cascade`).catch(() => {});
    await admin.end();
  }
}

try {
  await main();
} catch (error) {
  console.error(`\nbenchmark failed: ${error.message}`);
  process.exitCode = 1;
} finally {
  await stopAll();
}
