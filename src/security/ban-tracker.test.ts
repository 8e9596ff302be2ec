import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { manualClock } from '../shared/clock.js';
import { createRedis, type RedisHandle } from '../shared/redis.js';
import {
  createMemoryBanStore,
  createRedisBanStore,
  createResilientBanStore,
  type BanStore,
} from './ban-store.js';
import {
  banSeconds,
  createBanTracker,
  DEFAULT_BAN_POLICIES,
  type BanPolicy,
  type BanSubject,
  type BanTrackerDeps,
} from './ban-tracker.js';
import type { BanOrder, Offence } from './security-types.js';

const handles: RedisHandle[] = [];
async function redisClient() {
  const handle = createRedis('redis://127.0.0.1:6379');
  handles.push(handle);
  expect(await handle.whenReady()).toBe(true);
  return handle.client;
}
afterAll(async () => {
  for (const handle of handles) {
    if (handle.isHealthy()) {
      const keys = await handle.client.keys('km-test:ban:*');
      if (keys.length > 0) await handle.client.del(...keys);
    }
    await handle.close();
  }
});

const STORES: Array<[string, () => Promise<BanStore>]> = [
  ['memory', async () => createMemoryBanStore()],
  ['redis', async () => createRedisBanStore(await redisClient(), `km-test:ban:${randomUUID()}:`)],
];

const ATTACKS: BanPolicy = {
  offence: 'attack_pattern',
  subject: 'ip',
  distinct_keys: false,
  max_failures: 3,
  find_time_seconds: 60,
  ban_time_seconds: 600,
  max_ban_time_seconds: 2_400,
};

const attack = (ip = '203.0.113.9'): Offence => ({ kind: 'attack_pattern', ip, fingerprint: 'hash_a' });
const guess = (key: string, over: Partial<Offence> = {}): Offence => ({
  kind: 'unknown_license_key',
  ip: '198.51.100.7',
  fingerprint: 'hash_f1',
  api_key_id: 'key_app',
  license_key_hash: key,
  ...over,
});

describe.each(STORES)('ban tracker on the %s store', (_name, makeStore) => {
  async function setup(over: Partial<BanTrackerDeps> = {}) {
    const clock = manualClock();
    const history = new Map<string, number>();
    const allowlist = new Set<string>();
    const tracker = createBanTracker({
      store: await makeStore(),
      policies: [ATTACKS],
      clock,
      previousBans: async (type: BanSubject, value: string) => history.get(`${type}:${value}`) ?? 0,
      isAllowlisted: (ip) => allowlist.has(ip),
      ...over,
    });
    const times = async (n: number, offence: () => Offence) => {
      const orders = [];
      for (let i = 0; i < n; i++) orders.push(...(await tracker.recordOffence(offence())));
      return orders;
    };
    return { clock, history, allowlist, tracker, times };
  }

  it('bans at exactly max failures, once while the ban lasts', async () => {
    const { clock, tracker, times } = await setup();
    expect(await times(2, attack)).toEqual([]);
    expect(await tracker.recordOffence(attack())).toEqual([
      {
        type: 'ip',
        value: '203.0.113.9',
        reason: 'automatic ban: 3 attack patterns within 1 min',
        expires_at: new Date(clock.now().getTime() + 600_000).toISOString(),
        previous_bans: 0,
      },
    ]);
    expect(await times(10, attack)).toEqual([]);
    expect(await times(3, () => attack('203.0.113.10'))).toHaveLength(1);
  });

  it('forgets failures older than the find time', async () => {
    const { clock, times } = await setup();
    await times(1, attack);
    clock.advance(1_000);
    await times(1, attack);
    clock.advance(59_000); // the first is now exactly find time old: forgotten
    expect(await times(1, attack)).toEqual([]);
    clock.advance(500);
    expect(await times(1, attack)).toHaveLength(1);
  });

  it('counts afresh after a ban ends, and escalates for a repeat offender up to the cap', async () => {
    const { clock, history, times } = await setup();
    const lengths: number[] = [];
    for (let round = 0; round < 4; round++) {
      const [order] = await times(3, attack);
      expect(order!.previous_bans).toBe(round);
      const seconds = (Date.parse(order!.expires_at) - clock.now().getTime()) / 1000;
      lengths.push(seconds);
      history.set('ip:203.0.113.9', round + 1);
      // Still banned one second before the end, however long the escalated ban is.
      clock.advance((seconds - 1) * 1000);
      expect(await times(3, attack)).toEqual([]);
      clock.advance(1_000);
      expect(await times(2, attack)).toEqual([]);
    }
    expect(lengths).toEqual([600, 1_200, 2_400, 2_400]);
  });

  it('never bans an allowlisted address, nor counts its offences', async () => {
    const { allowlist, times } = await setup();
    allowlist.add('203.0.113.9');
    expect(await times(50, attack)).toEqual([]);
    allowlist.clear();
    expect(await times(2, attack)).toEqual([]);
    expect(await times(1, attack)).toHaveLength(1);
  });

  it('counts again from zero once an admin lifts a ban', async () => {
    const { tracker, times } = await setup();
    expect(await times(3, attack)).toHaveLength(1);
    await tracker.liftBan('ip', '203.0.113.9');
    expect(await times(2, attack)).toEqual([]);
    expect(await times(1, attack)).toHaveLength(1);
  });

  it('counts distinct licence keys: one wrong key repeated is not key guessing', async () => {
    const { times } = await setup({ policies: DEFAULT_BAN_POLICIES });
    expect(await times(50, () => guess('same-wrong-key'))).toEqual([]);
    const orders = await times(
      9,
      (() => {
        let n = 0;
        return () => guess(`key-${n++}`);
      })(),
    );
    expect(orders.map((o) => [o.type, o.value])).toEqual([['fingerprint', 'hash_f1']]);
  });

  it('bans a shared address and an API key only at their higher thresholds', async () => {
    const { times } = await setup({ policies: DEFAULT_BAN_POLICIES });
    let n = 0;
    // Nine distinct guesses from each of many clients behind one address, below the fingerprint threshold.
    const fromClient = (c: number) => () => guess(`key-${n++}`, { fingerprint: `hash_c${c}` });
    expect(await times(9, fromClient(1))).toEqual([]);
    expect(await times(9, fromClient(2))).toEqual([]);
    expect(await times(9, fromClient(3))).toEqual([]);
    const atAddress = await times(3, fromClient(4));
    expect(atAddress.map((o) => [o.type, o.value])).toEqual([['ip', '198.51.100.7']]);

    // The same API key from many addresses: 200 distinct keys within ten minutes.
    const spread = () => guess(`key-${n++}`, { ip: `192.0.2.${n % 250}`, fingerprint: `hash_s${n % 250}` });
    const orders = await times(199 - 30, spread);
    expect(orders).toEqual([]);
    expect((await times(1, spread)).map((o) => [o.type, o.value])).toEqual([['api_key', 'key_app']]);
  });

  it('counts distinct wrong API keys when their hash is given, every failure otherwise', async () => {
    const { times } = await setup({ policies: DEFAULT_BAN_POLICIES });
    const wrongKey = (hash: string | null, ip: string): Offence => ({
      kind: 'invalid_api_key',
      ip,
      fingerprint: 'hash_x',
      api_key_hash: hash,
    });
    expect(await times(40, () => wrongKey('stale', '192.0.2.1'))).toEqual([]);
    let n = 0;
    expect(await times(10, () => wrongKey(`k${n++}`, '192.0.2.1'))).toHaveLength(1);
    expect(await times(9, () => wrongKey(null, '192.0.2.2'))).toEqual([]);
    expect(await times(1, () => wrongKey(null, '192.0.2.2'))).toHaveLength(1);
  });

  it('orders one ban when offences cross the threshold concurrently', async () => {
    const { tracker } = await setup();
    const orders = await Promise.all(Array.from({ length: 20 }, () => tracker.recordOffence(attack())));
    expect(orders.flat()).toHaveLength(1);
  });
});

describe('ban stores agree', () => {
  it('memory and Redis order the same bans for the same offences', async () => {
    const run = async (store: BanStore) => {
      const clock = manualClock();
      const tracker = createBanTracker({
        store,
        policies: [
          ATTACKS,
          ...DEFAULT_BAN_POLICIES.map((p) => ({ ...p, max_failures: Math.min(p.max_failures, 4) })),
        ],
        clock,
        previousBans: async (_type, value) => value.length % 3,
        isAllowlisted: (ip) => ip === '192.0.2.0',
      });
      let seed = 7;
      const random = (n: number) => {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        return seed % n;
      };
      const log: Array<[number, BanOrder[]]> = [];
      for (let i = 0; i < 400; i++) {
        clock.advance(random(40_000));
        const kind = (['attack_pattern', 'unknown_license_key', 'invalid_api_key'] as const)[random(3)]!;
        const offence: Offence = {
          kind,
          ip: `192.0.2.${random(3)}`,
          fingerprint: `hash_${random(4)}`,
          api_key_id: random(2) ? `key_${random(2)}` : null,
          license_key_hash: `lk${random(6)}`,
          api_key_hash: `ak${random(6)}`,
        };
        log.push([i, await tracker.recordOffence(offence)]);
        if (random(50) === 0) await tracker.liftBan('ip', '192.0.2.1');
      }
      return log;
    };
    const memory = await run(createMemoryBanStore());
    const redis = await run(createRedisBanStore(await redisClient(), `km-test:ban:${randomUUID()}:`));
    expect(redis).toEqual(memory);
    expect(memory.filter(([, orders]) => orders.length > 0).length).toBeGreaterThan(10);
  });
});

describe('ban length', () => {
  it('doubles per earlier ban up to the cap, whatever the history', () => {
    expect([0, 1, 2, 3, 10, 1e6].map((n) => banSeconds(ATTACKS, n))).toEqual([
      600, 1200, 2400, 2400, 2400, 2400,
    ]);
  });
});

describe('memory ban store bounds', () => {
  it('holds at most maxKeys counters and forgets expired ones', async () => {
    const store = createMemoryBanStore({ maxKeys: 50 });
    const check = (i: number) => ({
      counter: `attack_pattern:ip:10.0.0.${i}`,
      subject: `ip:10.0.0.${i}`,
      member: 'm',
      max_failures: 5,
      find_time_ms: 60_000,
      ban_time_ms: 600_000,
    });
    for (let i = 0; i < 500; i++) await store.record([check(i)], 0);
    expect(store.size()).toBe(50);
    await store.record([check(1_000)], 60_001);
    expect(store.size()).toBe(1);
  });
});

describe('ban counting while Redis is unreachable', () => {
  it("goes on in this process's memory, without waiting for Redis", async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const handle = createRedis(`redis://127.0.0.1:${port}`, { maxRetryDelayMs: 20 });
    handles.push(handle);
    const store = createResilientBanStore(
      createRedisBanStore(handle.client, 'km-test:ban-down:'),
      createMemoryBanStore(),
      { isPrimaryHealthy: handle.isHealthy },
    );
    const tracker = createBanTracker({
      store,
      policies: [ATTACKS],
      clock: manualClock(),
      previousBans: async () => 1,
      isAllowlisted: () => false,
    });
    const started = performance.now();
    const orders = [];
    for (let i = 0; i < 3; i++) orders.push(...(await tracker.recordOffence(attack())));
    expect(performance.now() - started).toBeLessThan(100);
    expect(orders.map((o) => [o.type, o.previous_bans])).toEqual([['ip', 1]]);
    expect(await tracker.recordOffence(attack())).toEqual([]);
    expect(store.usingFallback()).toBe(true);
  });
});
