export interface FallbackOptions {
  /** The primary's connection state: while false it is skipped without trying. */
  isPrimaryHealthy?: () => boolean;
  /** After an error the primary is left alone this long (callers' clock), so a hanging Redis costs one request its timeout, not every request. */
  retryMs?: number;
  /** Told of the error that switched to the fallback (once per switch). */
  onError?: (error: unknown) => void;
  /** A primary call unanswered this long goes to the fallback (default 500 ms; see withinTime). */
  timeoutMs?: number;
}

export class PrimaryTimeoutError extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
  }
}

/**
 * `work`, or a PrimaryTimeoutError once it has been pending `ms`. The time is counted so that a busy
 * event loop does not fake a slow Redis: when the timer fires late (a burst of requests held the loop),
 * the answer may already be waiting in the socket, and it is read in the poll phase that follows the
 * timers; the timeout only wins if the answer is still missing at the check phase after it. A plain
 * timer (ioredis' commandTimeout) would switch every process under load to per-process limits.
 */
function withinTime<T>(work: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      setImmediate(() => {
        if (settled) return;
        settled = true;
        reject(new PrimaryTimeoutError(ms));
      });
    }, ms);
    work.then(
      (value) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/**
 * Runs an operation on the primary (Redis) while it answers, on the fallback (this process's memory)
 * while it does not, and goes back to the primary as soon as it is healthy again.
 */
export function createFallbackSwitch(options: FallbackOptions = {}) {
  const retryMs = options.retryMs ?? 1_000;
  const timeoutMs = options.timeoutMs ?? 500;
  let skipUntil = -Infinity;
  let onFallback = false;

  return {
    async run<T>(now: number, primary: () => Promise<T>, fallback: () => Promise<T>): Promise<T> {
      const healthy = options.isPrimaryHealthy?.() ?? true;
      // A clock stepping back by more than retryMs must not keep the primary skipped for that long.
      if (healthy && (now >= skipUntil || now < skipUntil - retryMs)) {
        try {
          const result = await withinTime(primary(), timeoutMs);
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
