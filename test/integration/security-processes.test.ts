import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { createServices } from '../../src/services.js';
import { createTestDatabase, TEST_POSTGRES_URL } from '../helpers/database.js';
import { buildDist, startServer, stopServer } from '../helpers/server-process.js';

const REDIS_URL = 'redis://127.0.0.1:6379';

/**
 * Two real server processes on one PostgreSQL database and one Redis, as behind a load balancer:
 * one rate limit, one rule set, and a revocation through one refused at once by the other.
 */
describe('several server processes sharing PostgreSQL and Redis', () => {
  const servers: ChildProcess[] = [];
  let urls: string[] = [];
  let ownerKey = '';
  let drop: () => Promise<void> = async () => {};

  beforeAll(async () => {
    buildDist();
    const created = await createTestDatabase('postgres');
    drop = created.drop;
    const schema = (created.database as { schema: string }).schema;
    const env = {
      KM_DATABASE_URL: `${TEST_POSTGRES_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`,
      KM_REDIS_URL: REDIS_URL,
    };
    const dirs = [0, 1].map(() => fs.mkdtempSync(path.join(os.tmpdir(), 'km-proc-')));
    const setup = await createServices(loadConfig({ ...env, KM_DATA_DIR: dirs[0] }), {
      logger: pino({ level: 'silent' }),
    });
    ownerKey = (await setup.apiKeys.create({ name: 'ops', scope: 'admin', role: 'owner' })).secret;
    await setup.close();
    // Processes sharing a database share the licence-key hash secret (README, "Several server processes").
    fs.copyFileSync(path.join(dirs[0]!, 'log-hash.key'), path.join(dirs[1]!, 'log-hash.key'));
    for (const dir of dirs) {
      const { child, url } = await startServer({ ...env, KM_DATA_DIR: dir });
      servers.push(child);
      urls.push(url);
    }
  }, 120_000);

  afterAll(async () => {
    await Promise.all(servers.map(stopServer));
    await drop();
    urls = [];
  });

  async function call(url: string, method: string, route: string, key: string, body?: object) {
    const response = await fetch(`${url}/api/v1${route}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const json: any = await response.json().catch(() => null);
    return { status: response.status, body: json };
  }

  it('enforces one limit across processes, set through either of them', async () => {
    const [a, b] = urls as [string, string];
    // A key of its own, so no other test run's counts in Redis can touch this one's.
    const key = await call(a, 'POST', '/api-keys', ownerKey, {
      name: 'limited',
      scope: 'admin',
      role: 'viewer',
    });
    expect(key.status).toBe(201);
    const limits = await call(a, 'PUT', '/security/rate-limits', ownerKey, {
      per_api_key: { limit: 20, window_seconds: 3600 },
    });
    expect(limits.status).toBe(200);
    // Process B hears of the change through Redis.
    await expect
      .poll(async () => (await call(b, 'GET', '/security/rate-limits', ownerKey)).body.per_api_key.limit)
      .toBe(20);

    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => call(i % 2 ? b : a, 'GET', '/products', key.body.secret)),
    );
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(20);
    expect(statuses.filter((s) => s === 429)).toHaveLength(20);
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
  });
});
