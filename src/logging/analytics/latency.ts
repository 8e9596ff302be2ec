/**
 * Response times as counts in fixed log-scale buckets: four per doubling, so bucket i holds
 * [2^(i/4), 2^((i+1)/4)) microseconds. Sums of buckets over any window give percentiles; reporting a
 * bucket's geometric middle puts the answer within 2^(1/8) - 1 ≈ 9 % of the exact order statistic.
 */
export const PER_DOUBLING = 4;
/** Everything at or past 2^(MAX/4) µs (about 69 s at 104) lands in the last bucket. */
export const MAX_BUCKET = 104;

export function latencyBucket(microseconds: number): number {
  if (microseconds < 1) return 0;
  return Math.min(MAX_BUCKET, Math.floor(Math.log2(microseconds) * PER_DOUBLING));
}

/** The bucket's geometric middle, in milliseconds. */
export function latencyOfBucket(bucket: number): number {
  return 2 ** ((bucket + 0.5) / PER_DOUBLING) / 1000;
}

/** Counts per bucket; the percentile's bucket middle in ms (rounded to µs), or null without calls. */
export function percentile(histogram: ReadonlyMap<number, number>, fraction: number): number | null {
  let total = 0;
  for (const count of histogram.values()) total += count;
  if (total === 0) return null;
  const rank = Math.ceil(fraction * total);
  let seen = 0;
  for (const bucket of [...histogram.keys()].sort((a, b) => a - b)) {
    seen += histogram.get(bucket)!;
    if (seen >= rank) return Math.round(latencyOfBucket(bucket) * 1000) / 1000;
  }
  return null;
}
