import { createLogIdGenerator } from '../../src/logging/log-entry.js';
import { readAfter } from '../../src/logging/sinks/sink-entries.js';
import { createSinkDeliveryJob, type DeliveryJobOptions } from '../../src/logging/sinks/sink-delivery.job.js';
import type { SinkEntry, SinkLog } from '../../src/logging/sinks/sink-types.js';
import { DEFAULT_BACKOFF } from '../../src/shared/backoff.js';
import type { TestContext } from './app.js';
import { apiCallRecord, blockedRecord } from './log-chain.js';

/**
 * Request-log entries through the real pipeline (journal, batch writer, chaining), `count` of them:
 * one in ten blocked, one in five of the rest failed. Returns their ids.
 */
export async function writeLoad(t: TestContext, count: number, nextId = createLogIdGenerator(t.clock)) {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = nextId();
    ids.push(id);
    t.services.requestLogs.pipeline.append(
      i % 10 === 9 ? blockedRecord(id, i) : apiCallRecord(id, i % 5 === 0 ? 503 : 200, i),
    );
  }
  await t.services.requestLogs.flush();
  return ids;
}

/** A delivery job on the test app's store, with pinned jitter and small batches. */
export function testDeliveryJob(t: TestContext, options: Partial<DeliveryJobOptions> = {}) {
  const { logSinks, core } = t.services;
  return createSinkDeliveryJob({
    db: core.db,
    repository: logSinks.repository,
    transport: logSinks.transport,
    clock: t.clock,
    logger: core.logger,
    intervalMs: 1000,
    batchSize: 200,
    timeoutMs: 5000,
    deadLetterMs: core.config.logSinks.deadLetterMinutes * 60_000,
    backoff: DEFAULT_BACKOFF,
    random: () => 0.5,
    ...options,
  });
}

/** Every stored entry of a log, in chain order, as sinks read them. */
export async function storedEntries(t: TestContext, log: SinkLog): Promise<SinkEntry[]> {
  const all: SinkEntry[] = [];
  let after = 0;
  for (;;) {
    const read = await readAfter(t.services.core.db, log, after, 1000);
    all.push(...read.entries);
    if (read.through === after) return all;
    after = read.through;
  }
}
