import type { Redis } from 'ioredis';
import { createFallbackSwitch, type FallbackOptions } from './fallback.js';

/** One counter an offence feeds: a policy applied to one subject (an address, an API key, a fingerprint). */
export interface BanCheck {
  /** The counter, e.g. `unknown_license_key:ip:203.0.113.9`. */
  counter: string;
  /** The subject's ban marker, e.g. `ip:203.0.113.9`: one per subject, whatever the offence. */
  subject: string;
  /** What is counted: a guessed key's hash (distinct keys), or a value unique to this offence. */
  member: string;
  max_failures: number;
  find_time_ms: number;
  /** How long the marker holds; the tracker lengthens it for repeat offenders. */
  ban_time_ms: number;
}

/**
 * The counting state of the ban tracker. `record` is atomic: for each check, unless the subject is
 * marked banned, it notes the member at `now` (a member seen again just moves to `now`), forgets members
 * seen `find_time_ms` ago or earlier, and once `max_failures` remain, forgets them all and marks the
 * subject banned — so of several processes crossing a threshold together, exactly one orders the ban.
 */
export interface BanStore {
  /** Per check, true when it crossed its threshold now (the subject is then marked banned). */
  record(checks: BanCheck[], now: number): Promise<boolean[]>;
  /** Moves the end of a subject's marker (an escalated ban lasts longer than the first guess). */
  extendBan(subject: string, untilMs: number, now: number): Promise<void>;
  /** Forgets a subject's marker (an admin lifted the ban): its offences count again from zero. */
  unmark(subject: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Per-process state, bounded: counters hold fewer than `max_failures` members each (they are cleared at
 * the threshold), entries past their time are swept once a minute, and past `maxKeys` counters or markers
 * the least recently used go first.
 */
export function createMemoryBanStore(options: { maxKeys?: number } = {}): BanStore & { size(): number } {
  const maxKeys = options.maxKeys ?? 100_000;
  const counters = new Map<string, { members: Map<string, number>; expires: number }>();
  const markers = new Map<string, number>();
  let lastSweep = -Infinity;

  function sweep(now: number): void {
    if (now - lastSweep < 60_000 && now >= lastSweep) return;
    lastSweep = now;
    for (const [key, counter] of counters) if (counter.expires <= now) counters.delete(key);
    for (const [key, until] of markers) if (until <= now) markers.delete(key);
  }

  function cap(map: Map<string, unknown>): void {
    for (const oldest of map.keys()) {
      if (map.size <= maxKeys) break;
      map.delete(oldest);
    }
  }

  function banned(subject: string, now: number): boolean {
    const until = markers.get(subject);
    return until !== undefined && until > now;
  }

  return {
    async record(checks, now) {
      sweep(now);
      return checks.map((check) => {
        if (banned(check.subject, now)) return false;
        const previous = counters.get(check.counter);
        const members = previous && previous.expires > now ? previous.members : new Map<string, number>();
        members.set(check.member, now);
        for (const [member, at] of members) if (at <= now - check.find_time_ms) members.delete(member);
        counters.delete(check.counter);
        if (members.size >= check.max_failures) {
          markers.delete(check.subject);
          markers.set(check.subject, now + check.ban_time_ms);
          cap(markers);
          return true;
        }
        counters.set(check.counter, { members, expires: now + check.find_time_ms });
        cap(counters);
        return false;
      });
    },
    async extendBan(subject, untilMs, now) {
      if (banned(subject, now)) markers.set(subject, Math.floor(untilMs));
    },
    async unmark(subject) {
      markers.delete(subject);
    },
    async close() {
      counters.clear();
      markers.clear();
    },
    size: () => counters.size + markers.size,
  };
}

/**
 * `BanStore.record` in one atomic script; KEYS are counter and marker pairs, ARGV the time then four values
 * per check. A marker holds the end of its ban (callers' time, like the memory store); its TTL only
 * tidies up.
 */
const RECORD_LUA = `
local now = tonumber(ARGV[1])
local out = {}
for i = 1, #KEYS / 2 do
  local counter = KEYS[2 * i - 1]
  local marker = KEYS[2 * i]
  local member = ARGV[4 * i - 2]
  local max = tonumber(ARGV[4 * i - 1])
  local find = tonumber(ARGV[4 * i])
  local ban = tonumber(ARGV[4 * i + 1])
  out[i] = 0
  local banned_until = tonumber(redis.call('GET', marker))
  if banned_until == nil or banned_until <= now then
    redis.call('ZADD', counter, ARGV[1], member)
    redis.call('ZREMRANGEBYSCORE', counter, '-inf', string.format('%d', now - find))
    if redis.call('ZCARD', counter) >= max then
      redis.call('DEL', counter)
      redis.call('SET', marker, string.format('%d', now + ban), 'PX', string.format('%d', ban))
      out[i] = 1
    else
      redis.call('PEXPIRE', counter, string.format('%d', find))
    end
  end
end
return out
`;

type RecordCommand = (...args: Array<string | number>) => Promise<number[]>;

/**
 * Shared state for several processes: a sorted set per counter (member → latest time seen, so distinct
 * keys are counted and old ones drop out by score) and a marker key per banned subject. One
 * EVALSHA per offence. Times are the callers' (bans are stored as rules with expiry dates computed from
 * the same clock, and a find time of minutes makes clock skew between hosts immaterial).
 */
export function createRedisBanStore(redis: Redis, prefix: string): BanStore {
  if (!('kmBanRecord' in redis)) redis.defineCommand('kmBanRecord', { lua: RECORD_LUA });
  const record = (redis as unknown as { kmBanRecord: RecordCommand }).kmBanRecord.bind(redis);
  const markerKey = (subject: string) => `${prefix}ban:${subject}`;
  return {
    async record(checks, now) {
      if (checks.length === 0) return [];
      const keys = checks.flatMap((c) => [`${prefix}count:${c.counter}`, markerKey(c.subject)]);
      const args = checks.flatMap((c) => [c.member, c.max_failures, c.find_time_ms, c.ban_time_ms]);
      const crossed = await record(keys.length, ...keys, Math.floor(now), ...args);
      return crossed.map((value) => value === 1);
    },
    async extendBan(subject, untilMs, now) {
      const until = Math.floor(untilMs);
      await redis.set(markerKey(subject), String(until), 'PX', Math.max(1, until - Math.floor(now)), 'XX');
    },
    async unmark(subject) {
      await redis.del(markerKey(subject));
    },
    // The client is shared (rate limits, revocations): whoever created it quits it.
    async close() {},
  };
}

/**
 * Redis while it answers, this process's memory while it does not (offences are then counted per
 * process), back to Redis once it is healthy. A lifted ban is forgotten in both.
 */
export function createResilientBanStore(
  primary: BanStore,
  fallback: BanStore,
  options: FallbackOptions = {},
): BanStore & { usingFallback(): boolean } {
  const fallbackSwitch = createFallbackSwitch(options);
  return {
    record: (checks, now) =>
      fallbackSwitch.run(
        now,
        () => primary.record(checks, now),
        () => fallback.record(checks, now),
      ),
    extendBan: (subject, untilMs, now) =>
      fallbackSwitch.run(
        now,
        () => primary.extendBan(subject, untilMs, now),
        () => fallback.extendBan(subject, untilMs, now),
      ),
    async unmark(subject) {
      await Promise.allSettled([primary.unmark(subject), fallback.unmark(subject)]);
    },
    async close() {
      await Promise.all([primary.close(), fallback.close()]);
    },
    usingFallback: fallbackSwitch.usingFallback,
  };
}
