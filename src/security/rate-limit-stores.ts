import type { Redis } from 'ioredis';
import { createFallbackSwitch, type FallbackOptions } from './fallback.js';
import { decideRateLimit, rateLimitStateExpiresAt, windowMs, type RateLimitState } from './rate-limit.js';
import type { RateLimit, RateLimitDecision, RateLimitStore } from './security-types.js';

/**
 * Per-process counters. Bounded: expired keys are swept once a minute (of the callers' clock), and past
 * `maxKeys` the least recently used key is dropped — that key's client starts afresh, so a flood of new
 * addresses costs the flooders' own counts, not memory. `hitNow` answers without a promise: the
 * security layer runs on every request and need not wait for a count kept in its own process.
 */
export function createMemoryRateLimitStore(options: { maxKeys?: number } = {}): RateLimitStore & {
  hitNow: NonNullable<RateLimitStore['hitNow']>;
  size(): number;
} {
  const maxKeys = options.maxKeys ?? 100_000;
  const states = new Map<string, RateLimitState>();
  let lastSweep = -Infinity;

  function sweep(now: number): void {
    if (now - lastSweep < 60_000 && now >= lastSweep) return;
    lastSweep = now;
    for (const [key, state] of states) if (rateLimitStateExpiresAt(state) <= now) states.delete(key);
  }

  function hitNow(key: string, limit: RateLimit, now: number): RateLimitDecision {
    sweep(now);
    const outcome = decideRateLimit(states.get(key) ?? null, limit, now);
    states.delete(key); // re-inserted last: Map order is then least recently used first
    states.set(key, outcome.state);
    if (states.size > maxKeys) {
      for (const oldest of states.keys()) {
        if (states.size <= maxKeys) break;
        states.delete(oldest);
      }
    }
    return outcome.decision;
  }

  return {
    hitNow,
    async hit(key, limit, now) {
      return hitNow(key, limit, now);
    },
    async close() {
      states.clear();
    },
    size: () => states.size,
  };
}

/**
 * The same algorithm as `decideRateLimit`, line for line, in one atomic script (integers only: Lua
 * numbers are doubles, exact below 2^53, and `windowMs` keeps every product below that). Numbers handed
 * back to Redis go through `%d`: Lua's own number-to-string keeps only 14 digits.
 */
const RATE_LIMIT_LUA = `
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local now
if ARGV[3] == 'redis' then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
else
  now = math.floor(tonumber(ARGV[3]))
end
local capacity = limit * window
local s = redis.call('HMGET', KEYS[1], 'limit', 'window', 'at', 'used')
local at = now
local used = 0
if tonumber(s[1]) == limit and tonumber(s[2]) == window then
  at = tonumber(s[3])
  used = tonumber(s[4])
  if now > at then
    local elapsed = now - at
    if elapsed >= window then used = 0 else used = math.max(0, used - elapsed * limit) end
    at = now
  end
end
local allowed = 0
local retry = 0
if used + window <= capacity then
  allowed = 1
  used = used + window
else
  retry = math.ceil((used + window - capacity) / limit)
end
local refill = math.ceil(used / limit)
redis.call('HSET', KEYS[1], 'limit', string.format('%d', limit), 'window', string.format('%d', window),
  'at', string.format('%d', at), 'used', string.format('%d', used))
redis.call('PEXPIRE', KEYS[1], string.format('%d', math.max(1, at + refill - now)))
return { allowed, math.floor((capacity - used) / window), refill, retry }
`;

type RateLimitCommand = (key: string, limit: string, window: string, now: string) => Promise<number[]>;

/**
 * Which clock the Redis store reads. `redis` (the default) is right for several processes: one clock
 * for all of them, so a host whose clock runs ahead can neither hand out quota early nor — since state
 * never moves backwards — freeze the other hosts' refills. `caller` uses the `now` given to `hit`, for
 * tests that move an injected clock.
 */
export type RedisRateLimitTime = 'redis' | 'caller';

/** Shared counters: one EVALSHA per request (ioredis loads the script again after a Redis restart). */
export function createRedisRateLimitStore(
  redis: Redis,
  prefix: string,
  options: { time?: RedisRateLimitTime } = {},
): RateLimitStore {
  const time = options.time ?? 'redis';
  if (!('kmRateLimitHit' in redis))
    redis.defineCommand('kmRateLimitHit', { numberOfKeys: 1, lua: RATE_LIMIT_LUA });
  const command = (redis as unknown as { kmRateLimitHit: RateLimitCommand }).kmRateLimitHit.bind(redis);
  return {
    async hit(key, limit, now) {
      const window = windowMs(limit);
      const [allowed, remaining, refillMs, retryMs] = await command(
        prefix + key,
        String(limit.limit),
        String(window),
        time === 'redis' ? 'redis' : String(Math.floor(now)),
      );
      return toDecision(limit, allowed === 1, remaining ?? 0, refillMs ?? 0, retryMs ?? 0);
    },
    // The client is shared (bans, revocations): whoever created it quits it.
    async close() {},
  };
}

function toDecision(
  limit: RateLimit,
  allowed: boolean,
  remaining: number,
  refillMs: number,
  retryMs: number,
): RateLimitDecision {
  return {
    allowed,
    limit: limit.limit,
    remaining,
    reset_seconds: Math.ceil(refillMs / 1000),
    retry_after_seconds: Math.ceil(retryMs / 1000),
  };
}

/**
 * Redis while it answers, this process's own counters while it does not: the server keeps serving, with
 * per-process limits, and returns to the shared ones as soon as Redis is back.
 */
export function createResilientRateLimitStore(
  primary: RateLimitStore,
  fallback: RateLimitStore,
  options: FallbackOptions = {},
): RateLimitStore & { usingFallback(): boolean } {
  const fallbackSwitch = createFallbackSwitch(options);
  return {
    hit: (key, limit, now) =>
      fallbackSwitch.run(
        now,
        () => primary.hit(key, limit, now),
        () => fallback.hit(key, limit, now),
      ),
    async close() {
      await Promise.all([primary.close(), fallback.close()]);
    },
    usingFallback: fallbackSwitch.usingFallback,
  };
}
