import { createAdminService } from './access/admin.service.js';
import { createAlerts } from './alerts/alerts.js';
import { createApiKeyService } from './access/api-key.service.js';
import { createSessionService } from './access/session.service.js';
import { createAccessSettingsService } from './access/access-settings.js';
import { createMfaService } from './access/mfa.service.js';
import type { Config } from './config/config.js';
import { openDatabase } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { createMetrics } from './http/metrics.js';
import { createActivityService } from './logging/activity.service.js';
import { createLogAnonymizer } from './logging/privacy/log-anonymizer.js';
import { sealAllUnchainedEntries } from './logging/integrity/chain-seal.js';
import { createArchivesService } from './logging/archive/archives.service.js';
import { retentionHooks } from './logging/retention/retention-integration.js';
import { createLogAnalytics } from './logging/analytics/log-analytics.js';
import { createLogIntegrity } from './logging/integrity/log-integrity.js';
import { loadSigningKey } from './logging/integrity/signing-key.js';
import { createLoggingSettingsHolder } from './logging/logging-settings.js';
import { createLoggingSettingsService } from './logging/logging-settings.service.js';
import { createDiagnosticLogger } from './logging/diagnostic-logger.js';
import { createRequestLogs } from './logging/request-logs.js';
import { createRetentionJob } from './logging/retention/retention.job.js';
import { createRetentionService } from './logging/retention/retention.service.js';
import { createLogSinks } from './logging/sinks/log-sinks.js';
import { createLicensingServices } from './licensing/licensing.services.js';
import type { RedisRateLimitTime } from './security/rate-limit-stores.js';
import { createSecurity } from './security/security.services.js';
import { createSecurityRulesService } from './security/security-rules.service.js';
import { systemClock, type Clock } from './shared/clock.js';
import type { CoreDeps } from './shared/deps.js';
import { createIdGenerator } from './shared/ids.js';
import { createNotifications } from './notifications/notifications.services.js';
import { createEventOutbox } from './webhooks/event-outbox.js';
import { createWebhooks } from './webhooks/webhooks.services.js';

export interface ServiceOverrides {
  clock?: Clock;
  sleep?: (ms: number) => Promise<void>;
  logger?: CoreDeps['logger'];
  /** Tests on a manual clock count Redis rate limits on it rather than on Redis's own clock. */
  rateLimitTime?: RedisRateLimitTime;
}

/** Builds every dependency once, explicitly, in dependency order. Migrations run before anything else. */
export async function createServices(config: Config, overrides: ServiceOverrides = {}) {
  // A signing key that cannot be used stops start-up before anything opens.
  const signingKey = config.integrity.enabled ? loadSigningKey(config) : null;
  const database = openDatabase(config.database);
  try {
    await migrateToLatest(database.db);
    // Entries stored before migration 0010 or while integrity was off join their chains now (ADR 0009).
    if (config.integrity.enabled) await sealAllUnchainedEntries(database.db);
  } catch (error) {
    await database.destroy();
    throw error;
  }
  const clock = overrides.clock ?? systemClock;
  const core: CoreDeps = {
    config,
    database,
    db: database.db,
    clock,
    ids: createIdGenerator(clock),
    logger: overrides.logger ?? createDiagnosticLogger(config.logLevel),
    sleep: overrides.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
  };
  const metrics = createMetrics();
  const loggingSettings = createLoggingSettingsHolder();
  const settings = createLoggingSettingsService(core, loggingSettings);
  try {
    await settings.load();
  } catch (error) {
    await database.destroy();
    throw error;
  }
  const activity = createActivityService(core, loggingSettings);
  const securityRules = createSecurityRulesService(core, activity);
  try {
    await securityRules.load();
  } catch (error) {
    await database.destroy();
    throw error;
  }
  const apiKeys = createApiKeyService(core);
  const admins = createAdminService(core);
  const accessSettings = createAccessSettingsService(core);
  try {
    await accessSettings.load();
  } catch (error) {
    await database.destroy();
    throw error;
  }
  const mfa = createMfaService(core);
  const sessions = createSessionService(core, admins, {
    hasAuthenticator: (adminId) => mfa.isEnabled(adminId),
    requiredForEveryAdmin: async () => (await accessSettings.load()).require_mfa_for_admins,
  });
  // Licence, customer and product changes write their events here, in their own transaction.
  const outbox = createEventOutbox(core);
  const licensing = createLicensingServices(core, outbox);
  const requestLogs = createRequestLogs(core, metrics, loggingSettings, licensing.licenseKeys);
  const notifications = createNotifications(core, {
    outbox,
    keyOf: (id) => licensing.licenses.repository.keyOf(id),
  });
  const webhooks = createWebhooks(core, {
    outbox,
    pipeline: requestLogs.pipeline,
    settings: loggingSettings,
    emails: notifications.sender,
  });
  const analytics = createLogAnalytics(core);
  const logAnonymizer = createLogAnonymizer(core, loggingSettings);
  const integrity = signingKey ? createLogIntegrity(core, signingKey) : null;
  const archives = createArchivesService(core, activity, loggingSettings);
  const retention = createRetentionService({
    db: core.db,
    dialect: database.dialect,
    clock,
    logger: core.logger,
    settings: loggingSettings,
    activity,
    rollups: analytics.rollups,
    hooks: retentionHooks(archives),
  });
  const retentionJob = createRetentionJob(
    retention,
    core.logger,
    config.retention.intervalSeconds * 1000,
    logAnonymizer,
  );
  const alerts = createAlerts(core, {
    registry: metrics.registry,
    rollups: analytics.rollups,
    mailer: notifications.mailer,
    editedTemplate: async (variables) => {
      if ((await notifications.templates.get('alert')).is_default) return null;
      const { subject, text, html } = await notifications.renderEmail('alert', variables);
      return { subject, text, html };
    },
  });
  try {
    await alerts.rules.seedBuiltins();
  } catch (error) {
    await database.destroy();
    throw error;
  }
  const logSinks = createLogSinks(core, metrics);
  const security = createSecurity(core, {
    rules: securityRules,
    requestLogs,
    apiKeys,
    rateLimitTime: overrides.rateLimitTime,
    loggingSettings: settings,
  });

  return {
    core,
    metrics,
    loggingSettings,
    settings,
    activity,
    securityRules,
    apiKeys,
    admins,
    sessions,
    accessSettings,
    mfa,
    licensing,
    requestLogs,
    analytics,
    integrity,
    retention: { service: retention, job: retentionJob },
    security,
    logAnonymizer,
    archives,
    alerts,
    outbox,
    notifications,
    webhooks,
    logSinks,
    async close(): Promise<void> {
      // Every journaled entry reaches the store before the connection goes (SIGTERM/SIGINT included).
      await webhooks.job.stop();
      await requestLogs.close();
      await analytics.job.stop();
      await integrity?.job.stop();
      await retentionJob.stop();
      await alerts.job.stop();
      alerts.close();
      await logSinks.job.stop();
      await security.close();
      archives.close();
      notifications.close();
      await database.destroy();
    },
  };
}

export type Services = Awaited<ReturnType<typeof createServices>>;
