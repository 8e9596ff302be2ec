// Two variants of the KeyManager server (bench/logging-server.mjs, the real app from dist/, or another
// server `script` that prints the same `BENCH {json}` line) loaded with POST /api/v1/licenses/validate
// in alternating rounds in one run, so drift in a shared machine's speed hits both alike. Used by the
// benchmarks that measure what one feature or one store costs.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { freePort, startNode, stopAll, waitUntil } from './processes.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

async function startServer(variant) {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), `keymanager-bench-${variant.name}-`));
  const port = await freePort();
  const env = {
    ...process.env,
    KM_PORT: String(port),
    KM_DATA_DIR: dataDir,
    KM_LOG_LEVEL: 'warn',
  };
  // The store and Redis are the variant's to choose: SQLite in the data directory unless it says.
  delete env.KM_DATABASE_URL;
  delete env.KM_REDIS_URL;
  Object.assign(env, variant.env);
  const server = startNode(
    `keymanager (${variant.name})`,
    [path.join(root, variant.script ?? 'bench/logging-server.mjs')],
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
  return { name: variant.name, dataDir, url: `http://127.0.0.1:${port}/api/v1/licenses/validate`, ...seed };
}

async function round(server, seconds, connections) {
  const result = await autocannon({
    url: server.url,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${server.key}` },
    body: JSON.stringify(server.body),
    connections,
    duration: seconds,
  });
  const bad = result.non2xx + result.errors + result.timeouts;
  if (bad > 0) throw new Error(`${bad} failed responses against ${server.name}`);
  return { rps: result.requests.average, p99: result.latency.p99, total: result.requests.total };
}

/**
 * Loads variants `a` and `b` (`{name, env, script?}`) for `rounds` rounds of `duration` seconds each, after a
 * 2 s warm-up; answers each variant's mean requests per second and worst-round p99 (ms).
 */
export async function compareServers({ a, b, rounds, duration, connections }) {
  const servers = [await startServer(a), await startServer(b)];
  try {
    for (const server of servers) await round(server, 2, connections);
    const results = new Map(servers.map((server) => [server.name, []]));
    for (let i = 0; i < rounds; i++) {
      const order = i % 2 === 0 ? servers : [...servers].reverse();
      for (const server of order) results.get(server.name).push(await round(server, duration, connections));
    }
    const summary = (name) => {
      const list = results.get(name);
      return {
        rps: list.reduce((sum, r) => sum + r.rps, 0) / list.length,
        p99: Math.max(...list.map((r) => r.p99)),
        rounds: list,
      };
    };
    return { a: summary(a.name), b: summary(b.name) };
  } finally {
    await stopAll();
    for (const server of servers) await rm(server.dataDir, { recursive: true, force: true });
  }
}
