/**
 * Recent blocks per client (fingerprint or address), for the threat score's repetition term. Per process
 * on purpose: the score is a hint for whoever reads the blocked-request log, and a round trip to Redis on
 * every blocked request (the cheap path under a flood) would buy little. Bounded: at most `maxCount` times
 * per key (the score saturates at 31 repeats), entries older than the window swept once a minute, and past
 * `maxKeys` the least recently seen key is dropped.
 */
export interface RepeatCounter {
  /** Notes a block of `key` at `now` (epoch ms); answers how many came before it within the window. */
  record(key: string, now: number): number;
  size(): number;
}

export function createRepeatCounter(
  options: { windowMs?: number; maxKeys?: number; maxCount?: number } = {},
): RepeatCounter {
  const windowMs = options.windowMs ?? 10 * 60_000;
  const maxKeys = options.maxKeys ?? 50_000;
  const maxCount = options.maxCount ?? 64;
  const seen = new Map<string, number[]>();
  let lastSweep = -Infinity;

  function sweep(now: number): void {
    if (now - lastSweep < 60_000 && now >= lastSweep) return;
    lastSweep = now;
    for (const [key, times] of seen) if ((times.at(-1) ?? -Infinity) <= now - windowMs) seen.delete(key);
  }

  return {
    record(key, now) {
      sweep(now);
      const times = (seen.get(key) ?? []).filter((t) => t > now - windowMs);
      const before = times.length;
      times.push(now);
      if (times.length > maxCount) times.splice(0, times.length - maxCount);
      seen.delete(key);
      seen.set(key, times);
      for (const oldest of seen.keys()) {
        if (seen.size <= maxKeys) break;
        seen.delete(oldest);
      }
      return before;
    },
    size: () => seen.size,
  };
}
