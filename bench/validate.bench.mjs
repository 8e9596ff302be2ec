// Throughput of the licence check, POST /api/v1/licenses/validate, against a bare Fastify route.
// Both servers run as child processes of this one, which only generates load (autocannon), so the
// load generator never competes with a server's event loop. `npm run bench` builds dist/ first.
//
//   BENCH_DURATION   seconds measured per target and round (default 5), after a 2 s warm-up
//   BENCH_ROUNDS     rounds of bare-then-validate (default 3); the ratio is the median of the rounds,
//                    so a burst of load from elsewhere on a shared machine skews one round, not the result
//   BENCH_CONNECTIONS concurrent connections (default 50)
//   BENCH_ONLY=bare  measure the bare baseline alone (calibrates the machine)
/* global fetch -- Node 20 has it built in */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import autocannon from 'autocannon';
import { freePort, startNode, stopAll, waitUntil } from './processes.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'dist', 'cli', 'main.js');
const bareServer = path.join(root, 'bench', 'bare-server.mjs');
const duration = Number(process.env.BENCH_DURATION ?? 5);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const warmup = Math.min(2, duration);
const GOAL = 0.25;
const API_KEY = /^km_(live|test)_[0-9A-Za-z]{32}$/;

async function step(what, action) {
  try {
    return await action();
  } catch (error) {
    throw new Error(`${what}: ${error.message}`, { cause: error });
  }
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

/** The create response's secret, wherever the route puts it (it is the only API-key-shaped string). */
function findSecret(value) {
  if (typeof value === 'string') return API_KEY.test(value) ? value : undefined;
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) {
      const found = findSecret(child);
      if (found) return found;
    }
  }
  return undefined;
}

async function startKeyManager() {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'keymanager-bench-'));
  const port = await freePort();
  const env = { ...process.env };
  // Always the embedded store and local state, whatever the caller's shell has set.
  delete env.KM_DATABASE_URL;
  delete env.KM_REDIS_URL;
  Object.assign(env, {
    KM_HOST: '127.0.0.1',
    KM_PORT: String(port),
    KM_DATA_DIR: dataDir,
    KM_ADMIN_EMAIL: 'bench@example.com',
    KM_ADMIN_PASSWORD: randomBytes(18).toString('base64url'),
    KM_LOG_LEVEL: 'warn',
  });
  const server = startNode('keymanager', [cli, 'serve'], env);
  const base = `http://127.0.0.1:${port}`;
  await waitUntil(server, 'GET /readyz answered 200', async () => (await fetch(`${base}/readyz`)).ok);
  return { server, base, env, dataDir };
}

/** Admin key from the CLI, then product, licence, licence-scoped key and one activation via the API. */
async function seed({ base, env }) {
  const adminKey = await step('api-keys create --admin (CLI)', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [cli, 'api-keys', 'create', '--name', 'bench', '--admin'],
      { env },
    );
    const secret = stdout.trim().split('\n').at(-1)?.trim() ?? '';
    if (!API_KEY.test(secret)) throw new Error(`the last stdout line is not an API key: ${stdout}`);
    return secret;
  });
  const product = await step('create product', () =>
    api(base, adminKey, 'POST', '/api/v1/products', { name: 'Bench product' }),
  );
  const licence = await step('create licence', () =>
    api(base, adminKey, 'POST', '/api/v1/licenses', { product_id: product.id, max_activations: null }),
  );
  const licenceKey = await step('create licence-scoped API key', async () => {
    const created = await api(base, adminKey, 'POST', '/api/v1/api-keys', {
      name: 'bench validate',
      scope: 'licenses',
    });
    const secret = findSecret(created);
    if (!secret) throw new Error(`no secret in the response: ${JSON.stringify(created)}`);
    return secret;
  });
  // All the load comes from one address: limits it never reaches, so every check runs and none refuses.
  const unlimited = { limit: 1_000_000, window_seconds: 1 };
  await step('raise the rate limits', () =>
    api(base, adminKey, 'PUT', '/api/v1/security/rate-limits', {
      per_ip: unlimited,
      per_api_key: unlimited,
      per_license_key: unlimited,
    }),
  );
  const body = { license_key: licence.key, fingerprint: `bench-${randomBytes(8).toString('hex')}` };
  await step('activate', () => api(base, licenceKey, 'POST', '/api/v1/licenses/activate', body));
  const check = await step('validate once', () =>
    api(base, licenceKey, 'POST', '/api/v1/licenses/validate', body),
  );
  if (check.valid !== true)
    throw new Error(`validate says the licence is not valid: ${JSON.stringify(check)}`);
  return { body, licenceKey };
}

async function startBare() {
  const port = await freePort();
  const bare = startNode('bare fastify', [bareServer], { ...process.env, PORT: String(port) });
  const url = `http://127.0.0.1:${port}/`;
  await waitUntil(bare, 'the bare server answered', async () => (await fetch(url, { method: 'POST' })).ok);
  return { bare, url };
}

/** Responses other than 200, connection errors and timeouts: any of them voids the figures. */
function failures(result) {
  const statuses = Object.entries(result.statusCodeStats).filter(([status]) => status !== '200');
  return {
    count: statuses.reduce((sum, [, { count }]) => sum + Number(count), 0) + result.errors + result.timeouts,
    statuses: Object.fromEntries(statuses.map(([status, { count }]) => [status, Number(count)])),
    errors: result.errors,
    timeouts: result.timeouts,
  };
}

async function load(title, url, headers, body) {
  const options = { url, method: 'POST', headers, body, connections, pipelining: 1 };
  const warm = failures(await autocannon({ ...options, duration: warmup }));
  const result = await autocannon({ ...options, title, duration });
  const measured = failures(result);
  return {
    title,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    total: result.requests.total,
    failed: warm.count + measured.count,
    detail: { warmup: warm, measured },
  };
}

function printTable(rows) {
  const line = (cells) => cells.map((cell, i) => String(cell).padStart(i === 0 ? 0 : 12)).join(' ');
  const names = rows.map((r) => r.title.length);
  const pad = Math.max(...names, 8);
  console.log(
    `\nNode ${process.version}, ${os.cpus().length} CPUs, ${connections} connections, ${duration} s each`,
  );
  console.log(line(['target'.padEnd(pad), 'req/s', 'p50 ms', 'p99 ms', 'requests', 'failed']));
  for (const r of rows) {
    console.log(line([r.title.padEnd(pad), r.rps.toFixed(0), r.p50, r.p99, r.total, r.failed]));
  }
}

async function main() {
  if (!(duration > 0) || !(connections > 0))
    throw new Error('BENCH_DURATION and BENCH_CONNECTIONS must be > 0');
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run "npm run build" (npm run bench does it)`);
  const rows = [];
  const json = { 'content-type': 'application/json' };
  if (process.env.BENCH_ONLY !== 'bare') {
    const keymanager = await step('start KeyManager', startKeyManager);
    try {
      const { body, licenceKey } = await seed(keymanager);
      const { url } = await startBare();
      const payload = JSON.stringify(body);
      for (let round = 1; round <= rounds; round++) {
        rows.push(await load(`bare fastify (round ${round})`, url, json, payload));
        rows.push(
          await load(
            `POST /api/v1/licenses/validate (round ${round})`,
            `${keymanager.base}/api/v1/licenses/validate`,
            { ...json, authorization: `Bearer ${licenceKey}` },
            payload,
          ),
        );
      }
    } catch (error) {
      const output = keymanager.server.output();
      if (output) error.message += `\n--- KeyManager output ---\n${output}`;
      throw error;
    } finally {
      await stopAll();
      await rm(keymanager.dataDir, { recursive: true, force: true });
    }
  } else {
    const { url } = await startBare();
    rows.push(await load('bare fastify', url, json, JSON.stringify({ license_key: 'X', fingerprint: 'Y' })));
  }
  printTable(rows);
  const broken = rows.filter((r) => r.failed > 0);
  for (const r of broken) {
    console.error(`\n${r.title}: ${r.failed} responses were not 200: ${JSON.stringify(r.detail)}`);
  }
  const ratios = [];
  for (let i = 0; i + 1 < rows.length; i += 2) ratios.push(rows[i + 1].rps / rows[i].rps);
  if (ratios.length > 0) {
    const sorted = [...ratios].sort((a, b) => a - b);
    const ratio = sorted[Math.floor(sorted.length / 2)];
    const verdict = ratio >= GOAL ? 'meets' : 'BELOW';
    const each = ratios.map((r) => `${(r * 100).toFixed(1)} %`).join(', ');
    console.log(`\nvalidate / bare per round: ${each}`);
    console.log(
      `validate / bare (median) = ${(ratio * 100).toFixed(1)} % (${verdict} the ${GOAL * 100} % goal)`,
    );
  }
  if (broken.length > 0) throw new Error('some responses were not 200: the figures above do not count');
}

try {
  await main();
} catch (error) {
  console.error(`\nbenchmark failed: ${error.message}`);
  process.exitCode = 1;
} finally {
  await stopAll();
}
