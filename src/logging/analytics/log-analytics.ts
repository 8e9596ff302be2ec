import type { CoreDeps } from '../../shared/deps.js';
import { createRequestLogRepository } from '../request-log.repository.js';
import { createAnalyticsService } from './analytics.service.js';
import { createRollupJob, type RollupJobOptions } from './rollup.job.js';
import { createRollupRepository } from './rollup.repository.js';

/** The logs' analytics: the rollup job that keeps the sums and the service that answers from them. */
export function createLogAnalytics(
  core: CoreDeps,
  tuning: Partial<Pick<RollupJobOptions, 'settleMs' | 'intervalMs' | 'batchSize' | 'topValuesPerHour'>> = {},
) {
  const entries = createRequestLogRepository(core.db);
  const rollups = createRollupRepository(core.db, core.database.dialect);
  const job = createRollupJob({
    db: core.db,
    entries,
    rollups,
    clock: core.clock,
    logger: core.logger,
    ...tuning,
  });
  const service = createAnalyticsService({ db: core.db, entries, rollups, clock: core.clock });
  return { job, service, rollups };
}

export type LogAnalytics = ReturnType<typeof createLogAnalytics>;
