import type { Metrics } from '../http/metrics.js';
import type { CoreDeps } from '../shared/deps.js';
import { journalDirOf } from './journal.js';
import { createLogIdGenerator } from './log-entry.js';
import { licenseKeyHasher, loadHashSecret } from './license-key-hash.js';
import { createLogPipeline, type PipelineOptions } from './log-pipeline.js';
import { createLogQueryService } from './log-query.service.js';
import { createLogStoreWriter } from './log-store-writer.js';
import type { LicenseKeyLookup } from './request-log-filters.js';
import type { LoggingSettingsHolder } from './logging-settings.js';
import { createRequestLogRepository } from './request-log.repository.js';
import { createRequestLogger } from './request-logging.js';

/** The API-call, failed-call and blocked-request logs: pipeline, request recorder and queries. */
export function createRequestLogs(
  core: CoreDeps,
  metrics: Metrics,
  settings: LoggingSettingsHolder,
  licenses: LicenseKeyLookup,
  tuning: Partial<PipelineOptions> = {},
) {
  const hashLicenseKey = licenseKeyHasher(loadHashSecret(core.config.dataDir));
  const pipeline = createLogPipeline({
    writer: createLogStoreWriter(core.config.database, core.db, core.logger, {
      integrity: core.config.integrity.enabled,
    }),
    dataDir: core.config.dataDir,
    journalDir: journalDirOf(core.config.dataDir, core.config.workerSlot),
    spoolMaxBytes: core.config.logSpoolMaxBytes,
    registry: metrics.registry,
    logger: core.logger,
    ...tuning,
  });
  const recorder = createRequestLogger({
    nextId: createLogIdGenerator(core.clock),
    settings,
    pipeline,
    hashLicenseKey,
  });
  return {
    pipeline,
    recorder,
    /** The security layer's entry point for requests it rejects. */
    recordBlocked: recorder.recordBlocked,
    /** A full key typed by a support engineer becomes the hash its entries are stored under. */
    hashLicenseKey,
    query: createLogQueryService(createRequestLogRepository(core.db), {
      db: core.db,
      hashLicenseKey,
      licenses,
    }),
    flush: () => pipeline.flush(),
    close: () => pipeline.close(),
  };
}

export type RequestLogs = ReturnType<typeof createRequestLogs>;
