import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createRedis, type RedisHandle } from '../shared/redis.js';
import {
  createMemoryRateLimitStore,
  createRedisRateLimitStore,
  createResilientRateLimitStore,
} from './rate-limit-stores.js';
import type { RateLimitStore } from './security-types.js';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const LIMIT = { limit: 20, window_seconds: 60 };

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A TCP relay to the real Redis that a test can cut and restore, as a network outage would. */
async function redisRelay() {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(6379, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => socket.destroy());
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    async cut() {
      const closed = new Promise((resolve) => server.close(resolve));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
    async restore() {
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    },
  };
}

let unhandled: unknown[];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
const handles: RedisHandle[] = [];

beforeEach(() => {
  unhandled = [];
  process.on('unhandledRejection', onUnhandled);
});

afterEach(async () => {
  process.off('unhandledRejection', onUnhandled);
  vi.restoreAllMocks();
  for (const handle of handles.splice(0)) await handle.close();
});

function logger() {
  return { warn: vi.fn(), info: vi.fn() };
}

describe('rate limits while Redis is unreachable', () => {
  it('falls back at once to per-process limits, quietly, when Redis cannot be reached', async () => {
    const consoleError = vi.spyOn(console, 'error');
    const log = logger();
    const handle = createRedis(`redis://127.0.0.1:${await closedPort()}`, {
      logger: log,
      maxRetryDelayMs: 20,
    });
    handles.push(handle);
    const store = createResilientRateLimitStore(
      createRedisRateLimitStore(handle.client, 'km-test:rl-down:', { time: 'caller' }),
      createMemoryRateLimitStore(),
      { isPrimaryHealthy: handle.isHealthy },
    );

    const started = performance.now();
    const decisions = await Promise.all(Array.from({ length: 40 }, () => store.hit('ip', LIMIT, T0)));
    expect(performance.now() - started).toBeLessThan(100);
    expect(decisions.filter((d) => d.allowed)).toHaveLength(20);
    expect(store.usingFallback()).toBe(true);
    expect(handle.isHealthy()).toBe(false);

    // Several reconnection attempts fail meanwhile: one warning in all, nothing printed as a crash.
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(log.warn).toHaveBeenCalledTimes(1);
    expect(consoleError).not.toHaveBeenCalled();
    expect(unhandled).toEqual([]);
  });

  it('without a health signal, an error from Redis sends that request and the next ones to memory', async () => {
    let calls = 0;
    const failing: RateLimitStore = {
      hit: async () => {
        calls++;
        throw new Error('Connection is closed.');
      },
      close: async () => {},
    };
    const onError = vi.fn();
    const store = createResilientRateLimitStore(failing, createMemoryRateLimitStore(), {
      retryMs: 1_000,
      onError,
    });
    expect((await store.hit('ip', LIMIT, T0)).allowed).toBe(true);
    expect((await store.hit('ip', LIMIT, T0 + 999)).remaining).toBe(18);
    expect(calls).toBe(1);
    await store.hit('ip', LIMIT, T0 + 1_000);
    expect(calls).toBe(2);
    expect(onError).toHaveBeenCalledTimes(1);
  });

  it('returns to the shared Redis counts when Redis is back', async () => {
    const relay = await redisRelay();
    const log = logger();
    const handle = createRedis(`redis://127.0.0.1:${relay.port}`, { logger: log, maxRetryDelayMs: 20 });
    handles.push(handle);
    const direct = createRedis('redis://127.0.0.1:6379');
    handles.push(direct);
    expect(await handle.whenReady()).toBe(true);
    expect(await direct.whenReady()).toBe(true);
    const prefix = `km-test:rl-back:${randomUUID()}:`;
    const store = createResilientRateLimitStore(
      createRedisRateLimitStore(handle.client, prefix, { time: 'caller' }),
      createMemoryRateLimitStore(),
      { isPrimaryHealthy: handle.isHealthy },
    );
    const limit = { limit: 5, window_seconds: 60 };
    const hit = async () => (await store.hit('ip', limit, T0)).allowed;

    expect([await hit(), await hit(), await hit()]).toEqual([true, true, true]);
    expect(await direct.client.exists(`${prefix}ip`)).toBe(1);

    await relay.cut();
    await vi.waitFor(() => expect(handle.isHealthy()).toBe(false));
    // This process's own count starts afresh: the server keeps serving with per-process limits.
    const during = await Promise.all(Array.from({ length: 6 }, hit));
    expect(during).toEqual([true, true, true, true, true, false]);
    expect(store.usingFallback()).toBe(true);

    await relay.restore();
    expect(await handle.whenReady(5_000)).toBe(true);
    expect([await hit(), await hit(), await hit()]).toEqual([true, true, false]);
    expect(store.usingFallback()).toBe(false);
    expect(log.warn).toHaveBeenCalledTimes(1);
    expect(log.info).toHaveBeenCalledTimes(1);
    expect(unhandled).toEqual([]);

    await direct.client.del(`${prefix}ip`);
    await relay.cut();
  });
});
