import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { RedisHandle } from '../shared/redis.js';
import type { SecurityRulesService } from './security-rules.service.js';

const CHANNEL = 'keymanager:security-changed';
const LOGGING_SETTINGS = 'logging_settings';

export interface LoggingSettingsSync {
  load(): Promise<unknown>;
  onChange(listener: () => void): () => void;
}

interface Notice {
  origin: string;
  kind: string;
}

/**
 * Tells the other server processes sharing Redis that rules, the allowlist, rate limits or API-key
 * revocations changed, so each rebuilds its rule set at once (a revoked key stops working everywhere),
 * or that the logging settings changed, so each re-reads them.
 * On every (re)connection the rule set is rebuilt too: notices sent while this process was cut off
 * from Redis are lost, the store is not.
 */
export function createSecuritySync(deps: {
  redis: RedisHandle | null;
  rules: SecurityRulesService;
  logger: FastifyBaseLogger;
  /** The logging settings each process holds: re-read when another process changed them. */
  loggingSettings?: LoggingSettingsSync;
}) {
  const { redis, rules, logger, loggingSettings } = deps;
  if (!redis) return { announce: async (_notice: { kind: string }) => {}, close: async () => {} };

  const origin = randomUUID();
  // Reads started by a notice; close() waits for them, so none outlives the database connection
  // (a short-lived command connects, and is told "ready", just before it closes).
  const reading = new Set<Promise<unknown>>();
  let closed = false;
  function track(read: () => Promise<unknown> | undefined, failure: string): void {
    if (closed) return;
    const pending = read()
      ?.catch((error: unknown) => logger.error({ err: error }, failure))
      .finally(() => reading.delete(pending!));
    if (pending) reading.add(pending);
  }
  const reload = () => track(() => rules.reload(), 'security rules not reloaded');
  const subscriber = redis.client.duplicate();
  // Without a listener ioredis reports every failed reconnection as unhandled; the main client logs.
  subscriber.on('error', () => {});
  const reloadSettings = () => track(() => loggingSettings?.load(), 'logging settings not reloaded');
  subscriber.on('ready', () => {
    subscriber.subscribe(CHANNEL).catch(() => {});
    reload();
    reloadSettings();
  });
  subscriber.on('message', (_channel: string, message: string) => {
    try {
      const notice = JSON.parse(message) as Notice;
      if (notice.origin === origin) return;
      if (notice.kind === LOGGING_SETTINGS) reloadSettings();
      else reload();
    } catch {
      // not one of ours
    }
  });

  async function announce(notice: { kind: string }): Promise<void> {
    if (!redis!.isHealthy()) return;
    await redis!.client
      .publish(CHANNEL, JSON.stringify({ origin, kind: notice.kind }))
      .catch((error: unknown) => logger.warn({ err: error }, 'could not tell other processes of a change'));
  }
  const unsubscribe = rules.onChange((change) => void announce(change));
  const unsubscribeSettings = loggingSettings?.onChange(() => void announce({ kind: LOGGING_SETTINGS }));

  return {
    announce,
    async close(): Promise<void> {
      closed = true;
      unsubscribe();
      unsubscribeSettings?.();
      subscriber.disconnect();
      await Promise.allSettled(reading);
    },
  };
}
