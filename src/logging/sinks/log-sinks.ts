import fs from 'node:fs';
import os from 'node:os';
import type { Metrics } from '../../http/metrics.js';
import { DEFAULT_BACKOFF } from '../../shared/backoff.js';
import type { CoreDeps } from '../../shared/deps.js';
import { createSinkDeliveryJob } from './sink-delivery.job.js';
import { registerSinkMetrics } from './sink-metrics.js';
import { createSinkRepository } from './sink.repository.js';
import { createSinkService } from './sink.service.js';
import { createSinkTransport } from './sink-transport.js';
import type { LogSink } from './sink.schemas.js';

/** Log sinks: their API's service, the delivery job and their figures in `/metrics`. */
export function createLogSinks(core: CoreDeps, metrics: Metrics) {
  const settings = core.config.logSinks;
  const repository = createSinkRepository(core.db);
  const transport = createSinkTransport({
    timeoutMs: settings.timeoutSeconds * 1000,
    hostname: os.hostname(),
    version: '1',
    ca: settings.caFile ? fs.readFileSync(settings.caFile, 'utf8') : undefined,
  });
  const service = createSinkService({ core, repository, transport });
  const job = createSinkDeliveryJob({
    db: core.db,
    repository,
    transport,
    clock: core.clock,
    logger: core.logger,
    intervalMs: settings.intervalMs,
    batchSize: settings.batchSize,
    timeoutMs: settings.timeoutSeconds * 1000,
    deadLetterMs: settings.deadLetterMinutes * 60_000,
    backoff: DEFAULT_BACKOFF,
  });
  registerSinkMetrics(metrics.registry, async () => {
    const all: LogSink[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await service.list(100, after);
      all.push(...page.data);
      if (page.data.length < 100) return all;
      after = page.data.at(-1)!.id;
    }
  });
  return {
    repository,
    transport,
    service,
    job: {
      ...job,
      start(): void {
        // Entries written with integrity off get no chain position, which is what sinks read by (ADR 0012).
        if (!core.config.integrity.enabled) {
          core.logger.warn('KM_LOG_INTEGRITY is off: log sinks forward no new entries until it is on again');
        }
        job.start();
      },
    },
  };
}

export type LogSinks = ReturnType<typeof createLogSinks>;
