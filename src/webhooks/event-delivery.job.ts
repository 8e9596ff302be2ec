import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '../shared/clock.js';
import type { ClaimedDelivery, WebhookRepository } from './webhook.repository.js';

/** Deliveries taken per round; at most one per endpoint, sent in parallel. */
const ROUND = 20;
/** Rounds per run, so one run ends even while events keep coming. */
const MAX_ROUNDS = 50;
const SCAN_EVERY_MS = 60_000;

export interface EventDeliveryJobDeps {
  repository: WebhookRepository;
  send(delivery: ClaimedDelivery): Promise<void>;
  emails: { runOnce(): Promise<number> };
  expiryScan: { run(): Promise<number> };
  clock: Clock;
  logger: FastifyBaseLogger;
  intervalMs: number;
  /** A claimed delivery is another process's for this long; past it, it is taken again. */
  leaseMs: number;
}

/**
 * The outbox's sender: each run scans for expiring licences (once a minute), sends due webhook
 * deliveries and queued emails. Runs never overlap within a process; between processes, rows are
 * claimed with a lease. A failed run is logged and the next one tries again.
 */
export function createEventDeliveryJob(deps: EventDeliveryJobDeps) {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let lastScan = -Infinity;

  async function deliverDue(): Promise<void> {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const now = deps.clock.now();
      const claimed = await deps.repository.claimDue(
        now.toISOString(),
        new Date(now.getTime() + deps.leaseMs).toISOString(),
        ROUND,
      );
      if (claimed.length === 0) return;
      await Promise.all(claimed.map((delivery) => deps.send(delivery)));
    }
  }

  async function run(): Promise<void> {
    try {
      const now = deps.clock.now().getTime();
      if (now - lastScan >= SCAN_EVERY_MS || now < lastScan) {
        lastScan = now;
        await deps.expiryScan.run();
      }
      await deliverDue();
      while ((await deps.emails.runOnce()) > 0) {
        // until nothing is due
      }
    } catch (error) {
      deps.logger.error({ err: error }, 'event delivery run failed; the next run tries again');
    }
  }

  function tick(): void {
    if (running) return;
    running = run().finally(() => {
      running = null;
    });
  }

  return {
    start(): void {
      if (timer) return;
      timer = setInterval(tick, deps.intervalMs);
      timer.unref();
      tick();
    },
    /** One run now, awaited (tests). `scan` forces the expiry scan. */
    async runOnce(options: { scan?: boolean } = {}): Promise<void> {
      while (running) await running;
      if (options.scan) lastScan = -Infinity;
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

export type EventDeliveryJob = ReturnType<typeof createEventDeliveryJob>;
