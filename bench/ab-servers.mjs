// Two variants of the KeyManager server (bench/logging-server.mjs, the real app from dist/, or another
// server `script` that prints the same `BENCH {json}` line) loaded with POST /api/v1/licenses/validate
// in alternating rounds in one run, so drift in a shared machine's speed hits both alike. Used by the
// benchmarks that measure what one feature or one store costs.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
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
  return {
    name: variant.name,
    dataDir,
    url: `http://127.0.0.1:${port}/api/v1/licenses/validate`,
    cpuSeconds: async () =>
      (await processCpuSeconds(server.child.pid)) + ((await variant.cpuSeconds?.()) ?? 0),
    ...seed,
  };
}

/** CPU seconds a process has used so far (Linux /proc; 0 elsewhere), in clock ticks of 1/100 s. */
export async function processCpuSeconds(pid) {
  try {
    const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

async function round(server, seconds, connections) {
  const cpuBefore = await server.cpuSeconds();
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
  const cpu = (await server.cpuSeconds()) - cpuBefore;
  return {
    rps: result.requests.average,
    p99: result.latency.p99,
    total: result.requests.total,
    perCpuSecond: cpu > 0 ? result.requests.total / cpu : null,
  };
}

/**
 * Loads variants `a` and `b` (`{name, env, script?}`) for `rounds` rounds of `duration` seconds each, after a
 * 2 s warm-up; answers each variant's mean requests per second, worst-round p99 (ms) and requests per
 * CPU-second of its server process plus what the variant's optional `cpuSeconds()` counts.
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
        // The server's own CPU (and a variant's other processes', such as its database backends):
        // steadier than requests per second when other work shares the machine.
        perCpuSecond:
          list.reduce((sum, r) => sum + r.total, 0) /
          list.reduce((sum, r) => sum + (r.perCpuSecond ? r.total / r.perCpuSecond : 0), 0),
        rounds: list,
      };
    };
    return { a: summary(a.name), b: summary(b.name) };
  } finally {
    await stopAll();
    for (const server of servers) await rm(server.dataDir, { recursive: true, force: true });
  }
}
