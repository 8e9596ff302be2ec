import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { RATE_LIMIT_TABLE } from '../../test/helpers/rate-limit-table.js';
import { createRedis, type RedisHandle } from '../shared/redis.js';
import { createMemoryRateLimitStore, createRedisRateLimitStore } from './rate-limit-stores.js';
import type { RateLimit, RateLimitStore } from './security-types.js';

const REDIS_URL = 'redis://127.0.0.1:6379';
const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const handles: RedisHandle[] = [];

async function redisHandle(): Promise<RedisHandle> {
  const handle = createRedis(REDIS_URL);
  handles.push(handle);
  expect(await handle.whenReady()).toBe(true);
  return handle;
}

const prefix = () => `km-test:rl:${randomUUID()}:`;

afterAll(async () => {
  for (const handle of handles) {
    const keys = await handle.client.keys('km-test:rl:*');
    if (keys.length > 0) await handle.client.del(...keys);
    await handle.close();
  }
});

const STORES: Array<[string, () => Promise<RateLimitStore>]> = [
  ['memory', async () => createMemoryRateLimitStore()],
  [
    'redis',
    async () => createRedisRateLimitStore((await redisHandle()).client, prefix(), { time: 'caller' }),
  ],
];

describe.each(STORES)('%s rate-limit store', (_name, makeStore) => {
  it.each(RATE_LIMIT_TABLE)('gives the expected outcomes: $name', async ({ limit, hits }) => {
    const store = await makeStore();
    const decisions = [];
    for (const [t] of hits) decisions.push(await store.hit('client', limit, T0 + t));
    expect(decisions.map((d) => [d.allowed, d.remaining, d.reset_seconds, d.retry_after_seconds])).toEqual(
      hits.map(([, ...expected]) => expected),
    );
  });

  it('admits exactly 20 of 40 concurrent requests against a limit of 20', async () => {
    const store = await makeStore();
    const limit = { limit: 20, window_seconds: 60 };
    const decisions = await Promise.all(Array.from({ length: 40 }, () => store.hit('burst', limit, T0)));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(20);
    expect(new Set(decisions.filter((d) => d.allowed).map((d) => d.remaining)).size).toBe(20);
  });

  it('keeps keys apart', async () => {
    const store = await makeStore();
    const limit = { limit: 1, window_seconds: 60 };
    expect((await store.hit('a', limit, T0)).allowed).toBe(true);
    expect((await store.hit('a', limit, T0)).allowed).toBe(false);
    expect((await store.hit('b', limit, T0)).allowed).toBe(true);
  });
});

describe('memory and Redis stores agree', () => {
  it('on a long random sequence of keys, limits and times, including a clock stepping back', async () => {
    const memory = createMemoryRateLimitStore();
    const redis = createRedisRateLimitStore((await redisHandle()).client, prefix(), { time: 'caller' });
    const limits: RateLimit[] = [
      { limit: 3, window_seconds: 10 },
      { limit: 7, window_seconds: 13 },
      { limit: 100, window_seconds: 60 },
    ];
    let seed = 42;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    let now = T0;
    let refused = 0;
    for (let i = 0; i < 600; i++) {
      now += random(10) === 0 ? -random(2_000) : random(1_500);
      const key = `k${random(4)}`;
      const limit = limits[random(20) === 0 ? random(3) : Number(key.slice(1)) % 3]!;
      const [a, b] = [await memory.hit(key, limit, now), await redis.hit(key, limit, now)];
      expect(b, `hit ${i}`).toEqual(a);
      if (!a.allowed) refused++;
    }
    expect(refused).toBeGreaterThan(50);
  });
});

describe('Redis store across processes', () => {
  it('two separate connections (as two server processes have) share one limit', async () => {
    const shared = prefix();
    for (const time of ['caller', 'redis'] as const) {
      const first = createRedisRateLimitStore((await redisHandle()).client, shared, { time });
      const second = createRedisRateLimitStore((await redisHandle()).client, shared, { time });
      const limit = { limit: 20, window_seconds: 60 };
      const decisions = await Promise.all(
        Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? first : second).hit(`two-${time}`, limit, T0)),
      );
      expect(
        decisions.filter((d) => d.allowed),
        time,
      ).toHaveLength(20);
    }
  });

  it('on its own clock (the default) counts real time and lets keys expire with their refill', async () => {
    const handle = await redisHandle();
    const keys = prefix();
    const store = createRedisRateLimitStore(handle.client, keys);
    const limit = { limit: 2, window_seconds: 30 };
    // The caller's time is ignored: a clock far in the past changes nothing.
    const decisions = await Promise.all([1, 2, 3].map(() => store.hit('own-clock', limit, 0)));
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, false]);
    expect(decisions[2]).toMatchObject({ remaining: 0, reset_seconds: 30, retry_after_seconds: 15 });
    const ttl = await handle.client.pttl(`${keys}own-clock`);
    expect(ttl).toBeGreaterThan(29_000);
    expect(ttl).toBeLessThanOrEqual(30_000);
  });

  it('loads its script again after Redis forgets it', async () => {
    const handle = await redisHandle();
    const store = createRedisRateLimitStore(handle.client, prefix(), { time: 'caller' });
    const limit = { limit: 1, window_seconds: 60 };
    expect((await store.hit('flush', limit, T0)).allowed).toBe(true);
    await handle.client.script('FLUSH');
    expect((await store.hit('flush', limit, T0)).allowed).toBe(false);
  });
});

describe('memory store bounds', () => {
  it('never holds more than maxKeys keys, dropping the least recently used', async () => {
    const store = createMemoryRateLimitStore({ maxKeys: 100 });
    const limit = { limit: 1, window_seconds: 60 };
    await store.hit('kept', limit, T0);
    for (let i = 0; i < 1_000; i++) {
      await store.hit(`flood-${i}`, limit, T0);
      if (i % 50 === 0) await store.hit('kept', limit, T0);
    }
    expect(store.size()).toBe(100);
    expect((await store.hit('kept', limit, T0)).allowed).toBe(false);
    expect((await store.hit('flood-0', limit, T0)).allowed).toBe(true);
  });

  it('forgets keys whose quota has refilled', async () => {
    const store = createMemoryRateLimitStore();
    const limit = { limit: 10, window_seconds: 60 };
    for (let i = 0; i < 500; i++) await store.hit(`ip-${i}`, limit, T0);
    expect(store.size()).toBe(500);
    await store.hit('late', limit, T0 + 61_000);
    expect(store.size()).toBe(1);
  });
});
