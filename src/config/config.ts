import path from 'node:path';
import { trustedProxyProblem } from '../security/trust-proxy.js';

/** The one typed configuration object; nothing else in the code reads process.env. */
export interface Config {
  host: string;
  port: number;
  dataDir: string;
  /** `sqlite:<file>` (embedded default) or a postgres:// URL. */
  database: { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string; schema?: string };
  redisUrl: string | undefined;
  /** `KM_WORKERS` (default 1): server processes `keymanager serve` runs on the port (`--workers` overrides). */
  workers: number;
  /**
   * The worker's place (1…N) when `serve --workers N` forked this process, which sets `KM_WORKER_SLOT`
   * for each worker it starts; undefined in a process started on its own. Not a setting to give by hand.
   */
  workerSlot: number | undefined;
  trustProxy: boolean | number | string[];
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  initialAdmin: { email: string | undefined; password: string | undefined };
  sessions: { idleMinutes: number; absoluteHours: number; secureCookie: boolean };
  loginThrottle: { maxFailures: number; windowMinutes: number };
  bodyLimitBytes: number;
  /** Disk cap of the log spool (`KM_LOG_SPOOL_MAX_MB`, default 512); past it entries are dropped, counted. */
  logSpoolMaxBytes: number;
  integrity: {
    /** `KM_LOG_INTEGRITY` (default on): entries join their log's hash chain and checkpoints are signed. */
    enabled: boolean;
    /** `KM_SIGNING_KEY`: an Ed25519 private key (PEM); absent, the key pair lives in the data directory. */
    signingKey: string | undefined;
    /** `KM_CHECKPOINT_INTERVAL_SECONDS` (default 60). */
    checkpointIntervalSeconds: number;
  };
  retention: {
    /** `KM_RETENTION_INTERVAL_SECONDS` (default 3600): how often the retention job runs. */
    intervalSeconds: number;
  };
  archive: {
    /** `KM_ARCHIVE` (default on): entries are archived before retention deletes them. */
    enabled: boolean;
    /** `KM_ARCHIVE_DIR` (default `<data dir>/archive`). */
    dir: string;
    /** `KM_ARCHIVE_S3_URL`: archives go to S3-compatible storage instead of the directory. */
    s3Url: string | undefined;
  };
  smtp: {
    /** `KM_SMTP_URL` (`smtp://user:pass@host:port` or `smtps://…`); absent, no email is sent. */
    url: string | undefined;
    /** `KM_SMTP_FROM` (default `KeyManager <keymanager@localhost>`). */
    from: string;
  };
  alerts: {
    /** `KM_ALERT_EVAL_SECONDS` (default 60): how often alert rules are evaluated. */
    evalSeconds: number;
  };
  events: {
    /** `KM_EVENT_DELIVERY_SECONDS` (default 5): how often webhook deliveries and emails are sent. */
    deliveryIntervalSeconds: number;
    /** `KM_WEBHOOK_MAX_ATTEMPTS` (default 12): attempts of a delivery before it is given up. */
    maxAttempts: number;
    /** `KM_WEBHOOK_GIVE_UP_HOURS` (default 72): a delivery still failing this long after its event is given up. */
    giveUpHours: number;
    /** `KM_WEBHOOK_TIMEOUT_SECONDS` (default 10): how long one delivery waits for the receiver's answer. */
    timeoutSeconds: number;
    /** `KM_LICENSE_EXPIRING_DAYS` (default 14): `license.expiring` comes this many days before expiry. */
    expiringDays: number;
  };
  logSinks: {
    /** `KM_LOG_SINK_INTERVAL_MS` (default 1000): how often the delivery job looks for new entries. */
    intervalMs: number;
    /** `KM_LOG_SINK_BATCH_SIZE` (default 500): entries per delivery at most. */
    batchSize: number;
    /** `KM_LOG_SINK_TIMEOUT_SECONDS` (default 10): one delivery's time limit. */
    timeoutSeconds: number;
    /** `KM_LOG_SINK_DEAD_AFTER_MINUTES` (default 1440): continuous failure before a sink is dead-lettered. */
    deadLetterMinutes: number;
    /** `KM_LOG_SINK_CA_FILE`: certificate authorities (PEM) trusted for `tls://` syslog sinks, beside the system's. */
    caFile: string | undefined;
  };
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max)
    throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${env[name]}"`);
}

/** `true`, `false`, a hop count, or a comma-separated list of addresses/CIDRs of trusted proxies. */
function trustProxy(raw: string | undefined): Config['trustProxy'] {
  const value = raw?.trim();
  if (!value || ['0', 'false', 'no', 'off'].includes(value.toLowerCase())) return false;
  if (['true', 'yes', 'on'].includes(value.toLowerCase())) return true;
  if (/^\d+$/.test(value)) return Number(value);
  const entries = value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  for (const entry of entries) {
    const problem = trustedProxyProblem(entry);
    if (problem) throw new ConfigError(`KM_TRUST_PROXY: ${entry}: ${problem}`);
  }
  return entries;
}

function database(env: Env, dataDir: string): Config['database'] {
  const url = env.KM_DATABASE_URL?.trim();
  if (!url) return { kind: 'sqlite', file: path.join(dataDir, 'keymanager.db') };
  if (/^postgres(ql)?:\/\//.test(url)) return { kind: 'postgres', url };
  if (url.startsWith('sqlite:')) return { kind: 'sqlite', file: url.slice('sqlite:'.length) };
  throw new ConfigError('KM_DATABASE_URL must be a postgres:// URL or sqlite:<file>');
}

function smtpUrl(raw: string | undefined): string | undefined {
  const url = raw?.trim();
  if (!url) return undefined;
  // The URL carries the SMTP password: the message names the scheme only.
  if (!/^smtps?:\/\/[^/]/.test(url)) throw new ConfigError('KM_SMTP_URL must be an smtp:// or smtps:// URL');
  return url;
}

/** More workers than this is a typo, not a machine: each one is a whole Node process with its own pool. */
export const MAX_WORKERS = 64;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export function loadConfig(env: Env = process.env): Config {
  const dataDir = path.resolve(env.KM_DATA_DIR?.trim() || './data');
  const logLevel = (env.KM_LOG_LEVEL?.trim() || 'info') as Config['logLevel'];
  if (!LOG_LEVELS.includes(logLevel))
    throw new ConfigError(`KM_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  return {
    host: env.KM_HOST?.trim() || '127.0.0.1',
    port: integer(env, 'KM_PORT', 8080, 0, 65535),
    dataDir,
    database: database(env, dataDir),
    redisUrl: env.KM_REDIS_URL?.trim() || undefined,
    workers: integer(env, 'KM_WORKERS', 1, 1, MAX_WORKERS),
    workerSlot: env.KM_WORKER_SLOT ? integer(env, 'KM_WORKER_SLOT', 1, 1, MAX_WORKERS) : undefined,
    trustProxy: trustProxy(env.KM_TRUST_PROXY),
    logLevel,
    initialAdmin: {
      email: env.KM_ADMIN_EMAIL?.trim() || undefined,
      password: env.KM_ADMIN_PASSWORD || undefined,
    },
    sessions: {
      idleMinutes: integer(env, 'KM_SESSION_IDLE_MINUTES', 30, 1, 24 * 60),
      absoluteHours: integer(env, 'KM_SESSION_ABSOLUTE_HOURS', 12, 1, 24 * 30),
      secureCookie: boolean(env, 'KM_COOKIE_SECURE', false),
    },
    loginThrottle: {
      maxFailures: integer(env, 'KM_LOGIN_MAX_FAILURES', 5, 1, 1000),
      windowMinutes: integer(env, 'KM_LOGIN_WINDOW_MINUTES', 15, 1, 24 * 60),
    },
    bodyLimitBytes: 1024 * 1024,
    logSpoolMaxBytes: integer(env, 'KM_LOG_SPOOL_MAX_MB', 512, 1, 1024 * 1024) * 1024 * 1024,
    integrity: {
      enabled: boolean(env, 'KM_LOG_INTEGRITY', true),
      signingKey: env.KM_SIGNING_KEY || undefined,
      checkpointIntervalSeconds: integer(env, 'KM_CHECKPOINT_INTERVAL_SECONDS', 60, 1, 24 * 3600),
    },
    retention: {
      intervalSeconds: integer(env, 'KM_RETENTION_INTERVAL_SECONDS', 3600, 1, 7 * 24 * 3600),
    },
    archive: {
      enabled: boolean(env, 'KM_ARCHIVE', true),
      dir: path.resolve(env.KM_ARCHIVE_DIR?.trim() || path.join(dataDir, 'archive')),
      s3Url: env.KM_ARCHIVE_S3_URL?.trim() || undefined,
    },
    smtp: {
      url: smtpUrl(env.KM_SMTP_URL),
      from: env.KM_SMTP_FROM?.trim() || 'KeyManager <keymanager@localhost>',
    },
    alerts: {
      evalSeconds: integer(env, 'KM_ALERT_EVAL_SECONDS', 60, 1, 24 * 3600),
    },
    events: {
      deliveryIntervalSeconds: integer(env, 'KM_EVENT_DELIVERY_SECONDS', 5, 1, 3600),
      maxAttempts: integer(env, 'KM_WEBHOOK_MAX_ATTEMPTS', 12, 1, 100),
      giveUpHours: integer(env, 'KM_WEBHOOK_GIVE_UP_HOURS', 72, 1, 30 * 24),
      timeoutSeconds: integer(env, 'KM_WEBHOOK_TIMEOUT_SECONDS', 10, 1, 120),
      expiringDays: integer(env, 'KM_LICENSE_EXPIRING_DAYS', 14, 1, 365),
    },
    logSinks: {
      intervalMs: integer(env, 'KM_LOG_SINK_INTERVAL_MS', 1000, 50, 3600 * 1000),
      batchSize: integer(env, 'KM_LOG_SINK_BATCH_SIZE', 500, 1, 10_000),
      timeoutSeconds: integer(env, 'KM_LOG_SINK_TIMEOUT_SECONDS', 10, 1, 300),
      deadLetterMinutes: integer(env, 'KM_LOG_SINK_DEAD_AFTER_MINUTES', 1440, 1, 30 * 24 * 60),
      caFile: env.KM_LOG_SINK_CA_FILE?.trim() || undefined,
    },
  };
}
