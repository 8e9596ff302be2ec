import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/config.js';
import { openDatabase, type Db } from '../../src/db/database.js';
import { logWriterPlacement } from '../../src/logging/log-store-writer.js';
import type { LogWriterThread } from '../../src/logging/log-writer-thread.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { storedApiCalls } from '../helpers/request-logs.js';
import { liftRateLimits } from '../helpers/security.js';

async function metric(t: TestContext, name: string, log = 'api_calls'): Promise<number> {
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

/** Rows written through this connection since it opened (SQLite counts per connection). */
async function changesByEventLoop(db: Db): Promise<number> {
  const { rows } = await sql<{ n: number }>`select total_changes() as n`.execute(db);
  return Number(rows[0]!.n);
}

const onFile = (config: Config) => {
  config.database = { kind: 'sqlite', file: path.join(config.dataDir, 'km.db') };
};

describe('where the request-log writer runs', () => {
  it('a SQLite file gets a writer thread; in-memory SQLite and PostgreSQL write on the event loop', () => {
    expect(logWriterPlacement({ kind: 'sqlite', file: '/var/lib/keymanager/keymanager.db' })).toBe(
      'worker-thread',
    );
    expect(logWriterPlacement({ kind: 'sqlite', file: ':memory:' })).toBe('event-loop');
    expect(logWriterPlacement({ kind: 'postgres', url: 'postgres://db/keymanager' })).toBe('event-loop');
  });
});

describe('the request-log writer thread (SQLite file)', () => {
  let t: TestContext | undefined;
  afterEach(async () => {
    await t?.close();
    if (t) fs.rmSync(t.services.core.config.dataDir, { recursive: true, force: true });
    t = undefined;
  });

  const send = (ctx: TestContext, i: number) =>
    ctx.request({ method: 'GET', url: '/api/v1/products', headers: { 'user-agent': `seq-${i}` } });
  const sequence = (from: number, to: number) =>
    Array.from({ length: to - from }, (_, i) => `seq-${from + i}`);

  it('writes every entry once, in order, from its own connection, and counts it', async () => {
    t = await createTestApp('sqlite', onFile);
    await liftRateLimits(t.services);
    const { pipeline } = t.services.requestLogs;
    expect(pipeline.writer.placement).toBe('worker-thread');
    const db = t.services.core.db;
    const changesBefore = await changesByEventLoop(db);
    for (let i = 0; i < 300; i++) await send(t, i);
    // Without a flush: batches follow the appends, and the last ones are written once traffic stops.
    const until = Date.now() + 5000;
    while ((await metric(t, 'written')) < 300 && Date.now() < until) await sleep(20);
    expect(await metric(t, 'written')).toBe(300);

    expect(await userAgentsInOrder(db)).toEqual(sequence(0, 300));
    // The event loop's connection wrote none of them (at most an API key's last-used time).
    expect((await changesByEventLoop(db)) - changesBefore).toBeLessThan(5);
    expect(await metric(t, 'queued')).toBe(300);
    expect(await metric(t, 'written')).toBe(300);
    expect(await metric(t, 'dropped')).toBe(0);
    expect((await t.app.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({ status: 'ready' });
  });

  it('a thread that dies mid-batch loses nothing: a new one writes the batch again, once', async () => {
    t = await createTestApp('sqlite', onFile);
    await liftRateLimits(t.services);
    const writer = t.services.requestLogs.pipeline.writer as LogWriterThread;
    for (let i = 0; i < 100; i++) await send(t, i);
    await t.services.requestLogs.flush();
    const first = writer.thread;
    expect(first).not.toBeNull();

    // The next batch handed to this thread is in flight when the thread is stopped.
    let stopped = false;
    const post = first!.postMessage.bind(first);
    first!.postMessage = (message: { type: string }) => {
      post(message);
      if (message.type !== 'write' || stopped) return;
      stopped = true;
      void first!.terminate();
    };
    for (let i = 100; i < 2600; i++) await send(t, i);
    // This flush's own batch, or one the linger started before it, was the one lost with the thread.
    await t.services.requestLogs.flush().catch(() => {});
    expect(stopped).toBe(true);
    expect(writer.thread).not.toBe(first);

    for (let i = 2600; i < 2700; i++) await send(t, i);
    await t.services.requestLogs.flush();
    expect(writer.thread).not.toBeNull();
    expect(writer.thread).not.toBe(first);
    expect(await userAgentsInOrder(t.services.core.db)).toEqual(sequence(0, 2700));
    expect(await metric(t, 'written')).toBe(2700);
    expect(await metric(t, 'dropped')).toBe(0);
    expect((await t.app.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({ status: 'ready' });
  }, 60_000);

  it('closing writes what is journaled, stops the thread and leaves no journal behind', async () => {
    const ctx = await createTestApp('sqlite', onFile);
    await liftRateLimits(ctx.services);
    const { config } = ctx.services.core;
    const writer = ctx.services.requestLogs.pipeline.writer as LogWriterThread;
    for (let i = 0; i < 50; i++) await send(ctx, i);
    await ctx.services.requestLogs.flush();
    const thread = writer.thread!;
    const exited = new Promise((resolve) => thread.once('exit', resolve));
    // Answered and journaled, not all written yet: the close writes the rest.
    await Promise.all(Array.from({ length: 200 }, (_, i) => send(ctx, 50 + i)));
    const metrics = (await ctx.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(Number(/^keymanager_log_spool_bytes (\d+)/m.exec(metrics)?.[1])).toBeGreaterThan(0);
    await ctx.close();
    await exited;

    expect(fs.readdirSync(path.join(config.dataDir, 'log-journal'))).toEqual([]);
    const reopened = openDatabase(config.database);
    try {
      const agents = await userAgentsInOrder(reopened.db);
      // Sent together, the last 200 may be answered in any order; each is there once.
      expect(agents.slice(0, 50)).toEqual(sequence(0, 50));
      expect([...agents].sort()).toEqual([...sequence(0, 250)].sort());
    } finally {
      await reopened.destroy();
      fs.rmSync(config.dataDir, { recursive: true, force: true });
    }
  });
});
