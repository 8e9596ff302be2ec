export interface FallbackOptions {
  /** The primary's connection state: while false it is skipped without trying. */
  isPrimaryHealthy?: () => boolean;
  /** After an error the primary is left alone this long (callers' clock), so a hanging Redis costs one request its timeout, not every request. */
  retryMs?: number;
  /** Told of the error that switched to the fallback (once per switch). */
  onError?: (error: unknown) => void;
}

/**
 * Runs an operation on the primary (Redis) while it answers, on the fallback (this process's memory)
 * while it does not, and goes back to the primary as soon as it is healthy again.
 */
export function createFallbackSwitch(options: FallbackOptions = {}) {
  const retryMs = options.retryMs ?? 1_000;
  let skipUntil = -Infinity;
  let onFallback = false;

  return {
    async run<T>(now: number, primary: () => Promise<T>, fallback: () => Promise<T>): Promise<T> {
      const healthy = options.isPrimaryHealthy?.() ?? true;
      // A clock stepping back by more than retryMs must not keep the primary skipped for that long.
      if (healthy && (now >= skipUntil || now < skipUntil - retryMs)) {
        try {
          const result = await primary();
          onFallback = false;
          return result;
        } catch (error) {
          skipUntil = now + retryMs;
          if (!onFallback) options.onError?.(error);
        }
      }
      onFallback = true;
      return fallback();
    },
    usingFallback: () => onFallback,
  };
}
