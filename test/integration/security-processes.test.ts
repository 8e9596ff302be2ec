import { execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
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
import { buildDist, ROOT, startServer, stopServer } from '../helpers/server-process.js';

const UNLIMITED = { limit: 1_000_000, window_seconds: 1 };

/**
 * Two real server processes on one PostgreSQL database and one Redis, as behind a load balancer:
 * one rate limit, one rule set, bans and revocations through one refused at once by the other, every
 * log entry stored once in chains that verify, also when Redis goes away and comes back. The Redis is
 * this file's own (the tests stop it); the processes trust 127.0.0.1 as a proxy, so a request can come
 * "from" any address through X-Forwarded-For.
 */
describe('several server processes sharing PostgreSQL and Redis', () => {
  const servers: ChildProcess[] = [];
  let urls: string[] = [];
  let ownerKey = '';
  let schema = '';
  let dirs: string[] = [];
  let env: Record<string, string> = {};
  let redis: Awaited<ReturnType<typeof startRedisServer>> | null = null;
  let drop: () => Promise<void> = async () => {};

  beforeAll(async () => {
    buildDist();
    redis = await startRedisServer();
    const created = await createTestDatabase('postgres');
    drop = created.drop;
    schema = (created.database as { schema: string }).schema;
    env = {
      KM_DATABASE_URL: `${TEST_POSTGRES_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`,
      KM_REDIS_URL: redis.url,
      KM_TRUST_PROXY: '127.0.0.1',
    };
    dirs = [0, 1].map(() => fs.mkdtempSync(path.join(os.tmpdir(), 'km-proc-')));
    const setup = await createServices(loadConfig({ ...env, KM_DATA_DIR: dirs[0] }), {
      logger: pino({ level: 'silent' }),
    });
    ownerKey = (await setup.apiKeys.create({ name: 'ops', scope: 'admin', role: 'owner' })).secret;
    await setup.close();
    // Processes sharing a database share the licence-key hash secret and the checkpoint signing key
    // (docs/operations.md, "Several server processes").
    for (const file of ['log-hash.key', 'checkpoint-signing.pem']) {
      fs.copyFileSync(path.join(dirs[0]!, file), path.join(dirs[1]!, file));
    }
    // Both at once; each one that started is stopped in afterAll, even if the other failed.
    const started = await Promise.allSettled(dirs.map((dir) => startServer({ ...env, KM_DATA_DIR: dir })));
    for (const result of started) {
      if (result.status === 'fulfilled') servers.push(result.value.child);
    }
    for (const result of started) {
      if (result.status === 'rejected') throw result.reason;
      urls.push(result.value.url);
    }
  }, 300_000);

  afterAll(async () => {
    await Promise.all(servers.map(stopServer));
    await redis?.stop();
    await drop();
    urls = [];
  });

  async function call(
    url: string,
    method: string,
    route: string,
    key: string,
    body?: object,
    headers: Record<string, string> = {},
  ) {
    const response = await fetch(`${url}/api/v1${route}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const json: any = await response.json().catch(() => null);
    return { status: response.status, body: json };
  }

  /** A viewer key of its own for one test, so no other test's counts touch it. */
  async function newKey(name: string): Promise<string> {
    const key = await call(urls[0]!, 'POST', '/api-keys', ownerKey, { name, scope: 'admin', role: 'viewer' });
    expect(key.status).toBe(201);
    return key.body.secret as string;
  }

  async function setRateLimits(limits: object): Promise<void> {
    const [a, b] = urls as [string, string];
    const set = await call(a, 'PUT', '/security/rate-limits', ownerKey, limits);
    expect(set.status).toBe(200);
    // Process B hears of the change through Redis.
    await expect
      .poll(async () => (await call(b, 'GET', '/security/rate-limits', ownerKey)).body)
      .toEqual(set.body);
  }

  /** Stored API-call entries of requests that sent this User-Agent: all of them, and distinct ids. */
  async function storedEntries(userAgent: string): Promise<{ all: number; distinct: number }> {
    const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
    await client.connect();
    try {
      const { rows } = await client.query(
        `select count(*)::int as all, count(distinct c.id)::int as distinct
           from ${schema}.api_call_log c join ${schema}.log_user_agents u on u.id = c.user_agent_id
          where u.value = $1`,
        [userAgent],
      );
      return rows[0] as { all: number; distinct: number };
    } finally {
      await client.end();
    }
  }

  /** Waits until `expected` entries are stored, then a little longer: one more would be a duplicate. */
  async function expectStoredOnce(userAgent: string, expected: number): Promise<void> {
    await expect.poll(async () => (await storedEntries(userAgent)).all, { timeout: 15_000 }).toBe(expected);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await storedEntries(userAgent)).toEqual({ all: expected, distinct: expected });
  }

  it('enforces one limit across processes, set through either of them', async () => {
    const [a, b] = urls as [string, string];
    const key = await newKey('limited');
    // The per-address limit out of the way: all 400 requests come from one address.
    await setRateLimits({
      per_ip: UNLIMITED,
      per_api_key: { limit: 100, window_seconds: 3600 },
    });
    try {
      const answers = await Promise.all(
        Array.from({ length: 400 }, (_, i) => call(i % 2 ? b : a, 'GET', '/products', key)),
      );
      const statuses = answers.map((answer) => answer.status);
      expect(statuses.filter((s) => s === 200)).toHaveLength(100);
      expect(statuses.filter((s) => s === 429)).toHaveLength(300);
      // Both processes admitted some: the one limit was shared, not met by one process alone.
      const admittedBy = (parity: number) => statuses.filter((s, i) => s === 200 && i % 2 === parity).length;
      expect(admittedBy(0)).toBeGreaterThan(0);
      expect(admittedBy(1)).toBeGreaterThan(0);
    } finally {
      await setRateLimits({ per_ip: UNLIMITED, per_api_key: UNLIMITED });
    }
  });

  it('blocks on the other process, within a second, an address banned by one', async () => {
    const [a, b] = urls as [string, string];
    const from = (ip: string) => ({ 'x-forwarded-for': ip });
    const banned = '203.0.113.77';
    expect((await call(b, 'GET', '/products', ownerKey, undefined, from(banned))).status).toBe(200);
    // Ten different wrong API keys from one address (the default policy) ban it, through process A.
    for (let i = 0; i < 10; i++) {
      const guess = `km_live_${randomBytes(24).toString('base64url').replace(/[-_]/g, 'x').slice(0, 32)}`;
      expect((await call(a, 'GET', '/products', guess, undefined, from(banned))).status).toBe(401);
    }
    await expect
      .poll(async () => (await call(b, 'GET', '/products', ownerKey, undefined, from(banned))).status, {
        timeout: 1000,
        interval: 20,
      })
      .toBe(403);
    expect((await call(b, 'GET', '/products', ownerKey, undefined, from('203.0.113.78'))).status).toBe(200);
  });

  it('refuses on every process a key revoked through one', async () => {
    const [a, b] = urls as [string, string];
    const key = await call(a, 'POST', '/api-keys', ownerKey, {
      name: 'to revoke',
      scope: 'admin',
      role: 'viewer',
    });
    expect((await call(b, 'GET', '/products', key.body.secret)).status).toBe(200);
    expect((await call(a, 'DELETE', `/api-keys/${key.body.id}`, ownerKey)).status).toBe(200);
    // "At once": the notice travels through Redis; allow it the time of a round trip, not a cache lifetime.
    await expect
      .poll(async () => (await call(b, 'GET', '/products', key.body.secret)).status, {
        timeout: 1000,
        interval: 20,
      })
      .toBe(403);
  });

  it('applies on the other process, within a second, logging settings changed through one', async () => {
    const [a, b] = urls as [string, string];
    const blockedDays = async () =>
      (await call(b, 'GET', '/settings/logging', ownerKey)).body.retention_days.blocked as number;
    expect(await blockedDays()).toBe(90);
    const changed = await call(a, 'PUT', '/settings/logging', ownerKey, { retention_days: { blocked: 30 } });
    expect(changed.status).toBe(200);
    try {
      await expect.poll(blockedDays, { timeout: 1000, interval: 20 }).toBe(30);
    } finally {
      await call(a, 'PUT', '/settings/logging', ownerKey, { retention_days: { blocked: 90 } });
    }
  });

  it('stores every entry written by both processes exactly once, in chains that verify', async () => {
    const [a, b] = urls as [string, string];
    const key = await newKey('exactly once');
    const userAgent = `exactly-once-${randomBytes(6).toString('hex')}`;
    const statuses: number[] = [];
    // 200 requests, half through each process, 20 at a time.
    for (let round = 0; round < 10; round++) {
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          call(i % 2 ? b : a, 'GET', '/products', key, undefined, { 'user-agent': userAgent }),
        ),
      );
      statuses.push(...answers.map((answer) => answer.status));
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(200);
    await expectStoredOnce(userAgent, 200);
    // Both processes extended the same chains: `keymanager logs verify` checks every entry and checkpoint.
    const verified = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [path.join(ROOT, 'dist/cli/main.js'), 'logs', 'verify'],
        { env: { ...process.env, ...env, KM_DATA_DIR: dirs[0]! } },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });
    expect(verified.stderr).toBe('');
    expect(verified.code).toBe(0);
  });

  it('loses no log entry when Redis stops and comes back under load', async () => {
    const [a, b] = urls as [string, string];
    const key = await newKey('redis restart');
    const userAgent = `redis-restart-${randomBytes(6).toString('hex')}`;
    const statuses: number[] = [];
    let loading = true;
    // Eight clients, each sending one request after the other, alternating between the processes.
    const clients = Array.from({ length: 8 }, async (_, client) => {
      for (let i = client; loading; i++) {
        const answer = await call(i % 2 ? b : a, 'GET', '/products', key, undefined, {
          'user-agent': userAgent,
        });
        statuses.push(answer.status);
      }
    });
    const readiness = async (url: string) =>
      ((await (await fetch(`${url}/readyz`)).json()) as { status: string }).status;
    const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    try {
      await pause(1000);
      await redis!.stop();
      await expect.poll(() => readiness(a), { timeout: 10_000 }).toBe('degraded');
      await expect.poll(() => readiness(b), { timeout: 10_000 }).toBe('degraded');
      await pause(1000);
      await redis!.start();
      await expect.poll(() => readiness(a), { timeout: 10_000 }).toBe('ready');
      await expect.poll(() => readiness(b), { timeout: 10_000 }).toBe('ready');
      await pause(1000);
    } finally {
      loading = false;
      await Promise.all(clients);
    }
    expect(statuses.length).toBeGreaterThan(50);
    // Every request was answered normally, with Redis or without it.
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    await expectStoredOnce(userAgent, statuses.length);
  });

  it('keeps serving with per-process limits when Redis is unreachable, and says so', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'km-noredis-'));
    const { child, url } = await startServer({ KM_DATA_DIR: dir, KM_REDIS_URL: 'redis://127.0.0.1:1' });
    try {
      const ready = await fetch(`${url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: 'degraded' });
      // The request passes the layer (its limits now per process) and reaches authentication.
      const started = Date.now();
      const answer = await fetch(`${url}/api/v1/products`);
      expect(answer.status).toBe(401);
      expect(answer.headers.get('x-ratelimit-limit')).toBe('600');
      expect(Date.now() - started).toBeLessThan(1000);
    } finally {
      await stopServer(child);
    }
    // Starting a server takes most of this on a busy machine.
  }, 120_000);
});
