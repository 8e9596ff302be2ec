import type { FastifyRequest } from 'fastify';
import type { ApiKeyService } from '../access/api-key.service.js';
import type { RequestLogs } from '../logging/request-logs.js';
import type { CoreDeps } from '../shared/deps.js';
import { boundedMemo } from '../shared/bounded-memo.js';
import { createRedis, type RedisHandle } from '../shared/redis.js';
import { createAttackDetector } from './attack-detector.js';
import { createMemoryBanStore, createRedisBanStore, createResilientBanStore } from './ban-store.js';
import { createBanTracker } from './ban-tracker.js';
import { createCountryLookup } from './country-lookup.js';
import { requestFingerprint } from './fingerprint.js';
import { clientIp } from './ip-address.js';
import {
  createMemoryRateLimitStore,
  createRedisRateLimitStore,
  createResilientRateLimitStore,
  type RedisRateLimitTime,
} from './rate-limit-stores.js';
import { createRepeatCounter } from './repeat-counter.js';
import { matchScannerUserAgent } from './scanner-user-agents.js';
import { createSecurityLayer } from './security-layer.js';
import type { SecurityRulesService } from './security-rules.service.js';
import { createSecuritySync, type LoggingSettingsSync } from './security-sync.js';
import type { Offence } from './security-types.js';
import { threatScore } from './threat-score.js';

const REDIS_PREFIX = 'keymanager:';
/** Earlier bans remembered per client for the threat score; a bounded map, oldest forgotten first. */
const BAN_HISTORY_MAX = 10_000;
/** User agents whose scanner verdict is remembered: a client sends the same one on every request. */
const SCANNER_VERDICTS_MAX = 1024;
/** Longer user agents are judged every time, so the memory stays small whatever clients send. */
const SCANNER_VERDICT_KEY_MAX = 512;

export interface SecurityDeps {
  rules: SecurityRulesService;
  requestLogs: RequestLogs;
  apiKeys: ApiKeyService;
  /** Tests that move a manual clock count Redis rate limits on it instead of Redis's own clock. */
  rateLimitTime?: RedisRateLimitTime;
  /** Re-read when another process announces a change of them. */
  loggingSettings?: LoggingSettingsSync;
}

/**
 * The security layer and its state: in this process by default, in Redis (shared by every server
 * process) when `KM_REDIS_URL` is set — with a per-process fallback while Redis is unreachable.
 */
export function createSecurity(core: CoreDeps, deps: SecurityDeps) {
  const { clock, logger } = core;
  const { rules } = deps;
  const redis: RedisHandle | null = core.config.redisUrl
    ? createRedis(core.config.redisUrl, { logger })
    : null;
  const memoryLimiter = createMemoryRateLimitStore();
  const memoryBans = createMemoryBanStore();
  const rateLimiter = redis
    ? createResilientRateLimitStore(
        createRedisRateLimitStore(redis.client, `${REDIS_PREFIX}rate:`, { time: deps.rateLimitTime }),
        memoryLimiter,
        { isPrimaryHealthy: redis.isHealthy },
      )
    : memoryLimiter;
  const banStore = redis
    ? createResilientBanStore(createRedisBanStore(redis.client, `${REDIS_PREFIX}ban:`), memoryBans, {
        isPrimaryHealthy: redis.isHealthy,
      })
    : memoryBans;
  const tracker = createBanTracker({
    store: banStore,
    clock,
    previousBans: (type, value) => rules.previousBans(type, value),
    isAllowlisted: (ip) => rules.ruleSet().isAllowlisted(ip),
  });
  const repeats = createRepeatCounter();
  const banHistory = new Map<string, number>();

  function rememberBan(subject: string, count: number): void {
    banHistory.delete(subject);
    if (banHistory.size >= BAN_HISTORY_MAX) banHistory.delete(banHistory.keys().next().value!);
    banHistory.set(subject, count);
  }

  async function punish(offence: Offence): Promise<void> {
    for (const order of await tracker.recordOffence(offence)) {
      await rules.addBan(order);
      rememberBan(order.value, order.previous_bans + 1);
    }
  }

  const scannerVerdicts = boundedMemo(matchScannerUserAgent, SCANNER_VERDICTS_MAX);
  const layer = createSecurityLayer({
    clock,
    rules,
    countries: createCountryLookup(),
    detector: createAttackDetector(),
    scannerUserAgent: (userAgent) =>
      userAgent.length <= SCANNER_VERDICT_KEY_MAX
        ? scannerVerdicts(userAgent)
        : matchScannerUserAgent(userAgent),
    rateLimiter,
    clientIp,
    fingerprint: (request: FastifyRequest, ip: string) =>
      requestFingerprint({
        ip,
        userAgent: request.headers['user-agent'],
        accept: request.headers.accept,
        acceptLanguage: request.headers['accept-language'],
        acceptEncoding: request.headers['accept-encoding'],
      }),
    hashLicenseKey: deps.requestLogs.hashLicenseKey,
    threatScore: (reason, facts) =>
      threatScore({
        reason,
        repeats: repeats.record(facts.fingerprint, clock.now().getTime()) - 1,
        banned_before: Math.max(banHistory.get(facts.ip) ?? 0, banHistory.get(facts.fingerprint) ?? 0),
      }),
    reportOffence: (offence) => {
      punish(offence).catch((error: unknown) =>
        logger.error({ err: error }, 'could not record an offence towards an automatic ban'),
      );
    },
    recordBlocked: deps.requestLogs.recordBlocked,
  });

  const sync = createSecuritySync({ redis, rules, logger, loggingSettings: deps.loggingSettings });
  // A lifted automatic ban starts its subject's count afresh, so a new offence can ban it again.
  rules.onChange((change) => {
    if (change.lifted) void tracker.liftBan(change.lifted.type, change.lifted.value).catch(() => {});
  });
  deps.apiKeys.onRevoked(() => rules.reload().then(() => sync.announce({ kind: 'api_key' })));

  return {
    layer,
    redis,
    /** `degraded` while Redis is configured but unreachable: limits are then per process. */
    health: (): 'ok' | 'degraded' => (redis && !redis.isHealthy() ? 'degraded' : 'ok'),
    async close(): Promise<void> {
      await sync.close();
      await redis?.close();
    },
  };
}

export type Security = ReturnType<typeof createSecurity>;
