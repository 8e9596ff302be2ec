import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '../shared/clock.js';
import type { AlertEvaluator, EvaluationReport } from './alert-evaluator.js';

/**
 * Runs the evaluation every interval, just after the interval starts (so processes started at
 * different moments try the same interval, and the first to claim it evaluates). A failed run is
 * logged and the next interval tries again.
 */
export function createAlertJob(
  evaluator: AlertEvaluator,
  clock: Clock,
  logger: Pick<FastifyBaseLogger, 'warn'>,
  intervalMs: number,
) {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<EvaluationReport> | null = null;
  let stopped = true;

  function runOnce(): Promise<EvaluationReport> {
    running ??= evaluator.evaluate().finally(() => {
      running = null;
    });
    return running;
  }

  function schedule(): void {
    if (stopped) return;
    const delay = intervalMs - (clock.now().getTime() % intervalMs) + 50;
    timer = setTimeout(() => {
      runOnce()
        .catch((error: unknown) =>
          logger.warn({ err: error }, 'alert evaluation failed; retried next interval'),
        )
        .finally(schedule);
    }, delay);
    timer.unref();
  }

  return {
    runOnce,
    start(): void {
      if (!stopped) return;
      stopped = false;
      schedule();
    },
    async stop(): Promise<void> {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await running?.catch(() => {});
    },
  };
}

export type AlertJob = ReturnType<typeof createAlertJob>;
