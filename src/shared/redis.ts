import { Redis } from 'ioredis';

export interface RedisLogger {
  warn(object: object, message: string): void;
  info(object: object, message: string): void;
}

export interface RedisHandle {
  client: Redis;
  /** Connected and ready: callers skip Redis (and use their per-process fallback) when false. */
  isHealthy(): boolean;
  /** Resolves true once connected, false if not within `timeoutMs` (the server starts either way). */
  whenReady(timeoutMs?: number): Promise<boolean>;
  close(): Promise<void>;
}

export interface RedisOptions {
  logger?: RedisLogger;
  connectTimeoutMs?: number;
  /** A command unanswered this long fails (Redis hanging rather than down); default 5 s. */
  commandTimeoutMs?: number;
  /** Longest pause between reconnection attempts. */
  maxRetryDelayMs?: number;
}

/**
 * The shared Redis connection (rate limits, bans, revocations). Tuned to fail fast: with no offline
 * queue a command sent while Redis is unreachable is rejected at once instead of waiting for a
 * reconnection, so the request falls back to per-process state rather than hanging. Reconnection goes on
 * in the background for as long as the process lives.
 */
export function createRedis(url: string, options: RedisOptions = {}): RedisHandle {
  const client = new Redis(url, {
    connectTimeout: options.connectTimeoutMs ?? 2_000,
    // A backstop only: request-time calls have their own, load-tolerant limit (security/fallback.ts).
    commandTimeout: options.commandTimeoutMs ?? 5_000,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    retryStrategy: (attempt) => Math.min(attempt * 100, options.maxRetryDelayMs ?? 2_000),
  });
  // Every failed reconnection emits 'error'; without a listener ioredis prints each one as unhandled.
  // One line when Redis goes away and one when it is back is what an operator needs.
  let down = false;
  client.on('error', (error: Error) => {
    if (down) return;
    down = true;
    options.logger?.warn({ err: { message: error.message } }, 'redis unreachable: using per-process state');
  });
  client.on('ready', () => {
    if (!down) return;
    down = false;
    options.logger?.info({}, 'redis reachable again: using shared state');
  });

  return {
    client,
    isHealthy: () => client.status === 'ready',
    whenReady(timeoutMs = 2_000) {
      if (client.status === 'ready') return Promise.resolve(true);
      return new Promise((resolve) => {
        const done = (ready: boolean) => {
          clearTimeout(timer);
          client.off('ready', onReady);
          resolve(ready);
        };
        const onReady = () => done(true);
        const timer = setTimeout(() => done(false), timeoutMs);
        client.on('ready', onReady);
      });
    },
    async close() {
      if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
      else client.disconnect();
    },
  };
}
