import type { FastifyBaseLogger } from 'fastify';
import type { RetentionService } from './retention.service.js';

/**
 * Runs retention every `intervalMs` inside the server: a run prepares the coming days' partitions and
 * prunes every log. Runs never overlap; a failed run is logged and the next one tries again. stop()
 * waits for a run in progress, whose batches are short.
 */
export function createRetentionJob(
  service: RetentionService,
  logger: FastifyBaseLogger,
  intervalMs: number,
  /** Applies `anonymize_after_days` after each prune (privacy/log-anonymizer.ts). */
  anonymizer: { run(): Promise<Partial<Record<string, number>>> } = { run: async () => ({}) },
) {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;

  async function run(): Promise<void> {
    try {
      const outcomes = await service.prune({ actor: 'retention job' });
      const deleted = outcomes.filter((o) => o.deleted > 0);
      if (deleted.length) logger.info({ pruned: deleted }, 'retention: expired log entries deleted');
      const anonymized = await anonymizer.run();
      if (Object.values(anonymized).some((n) => (n ?? 0) > 0))
        logger.info({ anonymized }, 'privacy: entries past their anonymization period reduced');
    } catch (error) {
      logger.error({ err: error }, 'retention run failed; the next run tries again');
    }
  }

  function tick(): void {
    if (running) return;
    running = run().finally(() => {
      running = null;
    });
  }

  return {
    /** The first run comes at once, so a server started after a pause catches up without waiting. */
    start(): void {
      if (timer) return;
      timer = setInterval(tick, intervalMs);
      timer.unref();
      tick();
    },
    /** One run now, awaited (tests). */
    async runOnce(): Promise<void> {
      while (running) await running;
      tick();
      await running;
    },
    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      timer = null;
      await running;
    },
  };
}

export type RetentionJob = ReturnType<typeof createRetentionJob>;
