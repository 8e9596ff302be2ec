import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config/config.js';
import type { Db } from '../../src/db/database.js';
import { createServices } from '../../src/services.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { createTestDatabase, DIALECTS } from '../helpers/database.js';
import { storedApiCalls } from '../helpers/request-logs.js';
import { liftRateLimits } from '../helpers/security.js';

const takeTableAway = (db: Db) => sql`alter table api_call_log rename to api_call_log_away`.execute(db);
const bringTableBack = (db: Db) => sql`alter table api_call_log_away rename to api_call_log`.execute(db);

async function metric(t: { app: TestContext['app'] }, name: string, log = 'api_calls'): Promise<number> {
  const text = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`keymanager_log_entries_${name}_total{log="${log}"}`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

async function userAgentsInOrder(db: Db): Promise<string[]> {
  const rows = await storedApiCalls(db)
    .where('log_endpoints.value', '=', '/api/v1/products')
    .orderBy('api_call_log.id', 'asc')
    .execute();
  return rows.map((row) => row.user_agent ?? '');
}

describe.each(DIALECTS)('log pipeline on %s', (dialect) => {
  let t: TestContext | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('loses nothing and keeps order while the store is unavailable under load', async () => {
    t = await createTestApp(dialect);
    await liftRateLimits(t.services);
    const ctx = t;
    const send = (i: number) =>
      ctx.request({ method: 'GET', url: '/api/v1/products', headers: { 'user-agent': `seq-${i}` } });
    let i = 0;
    for (; i < 20; i++) await send(i);
    await ctx.services.requestLogs.flush();
    await takeTableAway(ctx.services.core.db);
    const until = Date.now() + 2500;
    while (Date.now() < until) {
      // Eight concurrent clients, each request answered while the store refuses every batch.
      await Promise.all(Array.from({ length: 8 }, () => send(i++)));
      // Injected requests on the in-process SQLite never wait for I/O; real clients leave the writer
      // turns of the event loop, and so does this pause.
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await expect(ctx.services.requestLogs.flush()).rejects.toThrow();
    const ready = await ctx.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.json()).toEqual({ status: 'degraded' });
    expect(await metric(ctx, 'spooled')).toBeGreaterThan(0);
    await bringTableBack(ctx.services.core.db);
    await ctx.services.requestLogs.flush();

    const agents = await userAgentsInOrder(ctx.services.core.db);
    expect(agents).toHaveLength(i);
    // Requests inside one Promise.all may be answered in any order; batches of eight may not.
    const batchOf = (ua: string) => Math.floor((Number(ua.slice(4)) - 20) / 8);
    for (let k = 1; k < agents.length; k++)
      expect(batchOf(agents[k]!)).toBeGreaterThanOrEqual(batchOf(agents[k - 1]!));
    expect(new Set(agents).size).toBe(i);
    expect(await metric(ctx, 'replayed')).toBeGreaterThanOrEqual(await metric(ctx, 'spooled'));
    expect(await metric(ctx, 'dropped')).toBe(0);
    expect((await ctx.app.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({ status: 'ready' });
  }, 20_000);

  it('past the spool cap drops are counted and readiness fails; below it nothing is lost', async () => {
    t = await createTestApp(dialect, (config) => {
      config.logSpoolMaxBytes = 4000;
    });
    const ctx = t;
    await takeTableAway(ctx.services.core.db);
    for (let i = 0; i < 40; i++)
      await ctx.request({ method: 'GET', url: '/api/v1/products', headers: { 'user-agent': `seq-${i}` } });
    const dropped = await metric(ctx, 'dropped');
    expect(dropped).toBeGreaterThan(0);
    const queued = await metric(ctx, 'queued');
    expect(queued + dropped).toBe(40);
    const ready = await ctx.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json().error.code).toBe('ERR_NOT_READY');
    await bringTableBack(ctx.services.core.db);
    await ctx.services.requestLogs.flush();
    expect(await userAgentsInOrder(ctx.services.core.db)).toHaveLength(queued);
    expect(await metric(ctx, 'written')).toBe(queued);
  });
});

describe.each(DIALECTS)('log journal across restarts on %s', (dialect) => {
  it('replays, in order and once, what a stopped process could not write', async () => {
    const created = await createTestDatabase(dialect);
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'km-replay-'));
    const config: Config = loadConfig({ KM_LOG_LEVEL: 'silent' });
    config.dataDir = dataDir;
    config.database =
      created.database.kind === 'sqlite'
        ? { kind: 'sqlite', file: path.join(dataDir, 'km.db') }
        : created.database;
    // As `serve` does: the server takes over the journal; other commands never touch it.
    const start = async () => {
      const services = await createServices(config, { logger: pino({ level: 'silent' }) });
      services.requestLogs.pipeline.start();
      return { services, app: await buildApp(services) };
    };

    const first = await start();
    await first.services.requestLogs.flush();
    await takeTableAway(first.services.core.db);
    for (let i = 0; i < 25; i++)
      await first.app.inject({
        method: 'GET',
        url: '/api/v1/products',
        headers: { 'user-agent': `seq-${i}` },
      });
    // A command run beside the server on the same data directory (api-keys create, migrate…) must
    // leave the server's journal alone when it exits.
    const journalBefore = fs.readdirSync(path.join(dataDir, 'log-journal'));
    const command = await createServices(config, { logger: pino({ level: 'silent' }) });
    await command.close();
    expect(fs.readdirSync(path.join(dataDir, 'log-journal'))).toEqual(journalBefore);
    await first.app.close();
    await first.services.close();
    expect(fs.readdirSync(path.join(dataDir, 'log-journal')).length).toBeGreaterThan(0);

    const second = await start();
    await bringTableBack(second.services.core.db);
    await second.services.requestLogs.flush();
    const agents = await userAgentsInOrder(second.services.core.db);
    expect(agents).toEqual(Array.from({ length: 25 }, (_, i) => `seq-${i}`));
    expect(await metric(second, 'replayed', 'failed_api_calls')).toBe(25);
    await second.app.close();
    await second.services.close();
    expect(fs.readdirSync(path.join(dataDir, 'log-journal'))).toEqual([]);
    await created.drop();
  });
});
