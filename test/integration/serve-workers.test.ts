import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { createServices } from '../../src/services.js';
import { createTestDatabase, TEST_POSTGRES_URL } from '../helpers/database.js';
import { startRedisServer } from '../helpers/redis-server.js';
import { buildDist, ROOT } from '../helpers/server-process.js';

const CLI = path.join(ROOT, 'dist/cli/main.js');

interface LogLine {
  msg?: string;
  pid?: number;
  worker?: number;
  workerPid?: number;
}

/** `keymanager serve --workers N` with its stdout parsed line by line. */
function startCluster(env: Record<string, string>, workers: number) {
  const child = spawn(process.execPath, [CLI, 'serve', '--workers', String(workers)], {
    env: { ...process.env, ...env, KM_PORT: '0', KM_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: LogLine[] = [];
  let raw = '';
  let partial = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    raw += chunk.toString();
    partial += chunk.toString();
    const complete = partial.split('\n');
    partial = complete.pop()!;
    for (const line of complete) {
      try {
        lines.push(JSON.parse(line) as LogLine);
      } catch {
        // not a log line (the owner-created notice)
      }
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => (raw += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, lines, exited, output: () => raw };
}

async function until<T>(what: string, check: () => T | undefined, output: () => string, ms = 180_000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}:\n${output()}`);
}

const listeningWorkers = (lines: LogLine[]) => lines.filter((line) => line.msg === 'worker listening');

describe('keymanager serve --workers', () => {
  let env: Record<string, string> = {};
  let schema = '';
  let drop: () => Promise<void> = async () => {};
  let dataDir = '';
  let ownerKey = '';
  let cluster: ReturnType<typeof startCluster> | null = null;
  // A Redis of its own: bans and counts of 127.0.0.1 left in a shared one by other tests would apply here.
  let redis: Awaited<ReturnType<typeof startRedisServer>> | null = null;

  beforeAll(async () => {
    buildDist();
    redis = await startRedisServer();
    const created = await createTestDatabase('postgres');
    drop = created.drop;
    schema = (created.database as { schema: string }).schema;
    env = {
      KM_DATABASE_URL: `${TEST_POSTGRES_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`,
      KM_REDIS_URL: redis.url,
    };
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'km-workers-'));
    const setup = await createServices(loadConfig({ ...env, KM_DATA_DIR: dataDir }), {
      logger: pino({ level: 'silent' }),
    });
    ownerKey = (await setup.apiKeys.create({ name: 'ops', scope: 'admin', role: 'owner' })).secret;
    await setup.close();
  }, 120_000);

  afterAll(async () => {
    if (cluster && cluster.child.exitCode === null) {
      cluster.child.kill('SIGKILL');
      await cluster.exited;
    }
    await redis?.stop();
    await drop();
  });

  it('refuses several workers on SQLite or without Redis, saying why', () => {
    const run = (extra: Record<string, string>) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'km-workers-refused-'));
      const result = spawnSync(process.execPath, [CLI, 'serve', '--workers', '2'], {
        env: { ...process.env, KM_DATA_DIR: dir, KM_PORT: '0', ...extra },
        encoding: 'utf8',
      });
      return { status: result.status, stderr: result.stderr };
    };
    const sqlite = run({});
    expect(sqlite.status).toBe(1);
    expect(sqlite.stderr).toMatch(/--workers 2 needs PostgreSQL \(KM_DATABASE_URL\)/);
    const noRedis = run({ KM_DATABASE_URL: env.KM_DATABASE_URL!, KM_REDIS_URL: '' });
    expect(noRedis.status).toBe(1);
    expect(noRedis.stderr).toMatch(/--workers 2 needs Redis \(KM_REDIS_URL\)/);
  });

  it('serves from every worker, replaces a killed one, and stops with every entry stored', async () => {
    cluster = startCluster({ ...env, KM_DATA_DIR: dataDir }, 2);
    const { lines, output } = cluster;
    await until('two workers listening', () => listeningWorkers(lines).length >= 2 || undefined, output);
    const url = await until(
      'the listening address',
      () => lines.map((line) => /listening at (http:\S+)/.exec(line.msg ?? '')?.[1]).find(Boolean),
      output,
    );
    let answered = 0;
    const products = async () => {
      // A new connection each time: the primary hands connections to the workers in turn.
      const response = await fetch(`${url}/api/v1/products`, {
        headers: { authorization: `Bearer ${ownerKey}`, connection: 'close' },
        signal: AbortSignal.timeout(20_000),
      });
      answered += 1;
      return response.status;
    };
    const first = [];
    for (let i = 0; i < 20; i++) first.push(await products());
    expect(first.every((status) => status === 200)).toBe(true);
    // Each worker journals the entries of the requests it answered in its own journal.
    const journalBytes = (dir: string) =>
      fs.readdirSync(path.join(dataDir, dir)).reduce((sum, name) => {
        return sum + fs.statSync(path.join(dataDir, dir, name)).size;
      }, 0);
    expect(journalBytes('log-journal')).toBeGreaterThan(0);
    expect(journalBytes('log-journal-2')).toBeGreaterThan(0);

    const victim = listeningWorkers(lines).find((line) => line.worker === 2)!.workerPid!;
    process.kill(victim, 'SIGKILL');
    const restarted = await until(
      'the restart notice',
      () => lines.find((line) => line.msg === 'worker exited; restarting it' && line.workerPid === victim),
      output,
    );
    expect(restarted.worker).toBe(2);
    // Once the primary knows, the other worker answers while the dead one is replaced. (A connection
    // handed over in the instant the worker died is lost with it, as in any crash.)
    expect(await products()).toBe(200);
    const replacement = await until(
      'a new worker 2 listening',
      () => listeningWorkers(lines).find((line) => line.worker === 2 && line.workerPid !== victim),
      output,
    );
    expect(replacement.workerPid).not.toBe(victim);
    for (let i = 0; i < 10; i++) expect(await products()).toBe(200);

    cluster.child.kill('SIGTERM');
    expect(await cluster.exited).toBe(0);
    expect(lines.some((line) => line.msg === 'all workers stopped')).toBe(true);
    // Both live workers stopped gracefully, each after flushing its logs.
    const stopped = lines.filter((line) => line.msg === 'stopped').map((line) => line.pid);
    expect(new Set(stopped)).toEqual(
      new Set([listeningWorkers(lines).find((line) => line.worker === 1)!.workerPid, replacement.workerPid]),
    );
    // No entry lost: the killed worker's journaled entries are written by its replacement.
    const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
    await client.connect();
    try {
      const { rows } = await client.query(
        `select count(*)::int as n from ${schema}.api_call_log c join ${schema}.log_endpoints e
           on e.id = c.endpoint_id where e.value = '/api/v1/products'`,
      );
      expect(rows[0].n).toBe(answered);
    } finally {
      await client.end();
    }
  }, 480_000);
});
