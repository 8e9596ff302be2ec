/**
 * `compute`, remembered for up to `max` keys, for pure functions called with the same few keys over and
 * over (the ids that come back entry after entry in the logs). When full the memory starts again rather
 * than tracking recency: cheaper per call, and the hot keys are back within a few calls.
 */
export function boundedMemo<K, V>(compute: (key: K) => V, max: number): (key: K) => V {
  const memory = new Map<K, V>();
  return (key) => {
    const known = memory.get(key);
    if (known !== undefined || memory.has(key)) return known as V;
    const value = compute(key);
    if (memory.size >= max) memory.clear();
    memory.set(key, value);
    return value;
  };
}
