import cluster, { type Worker } from 'node:cluster';
import { ensureOwner } from './access/first-owner.js';
import { ConfigError, type Config } from './config/config.js';
import { createDiagnosticLogger } from './logging/diagnostic-logger.js';
import { leftoverJournalSlots } from './logging/journal.js';
import { serve, STOP_MESSAGE } from './main.js';
import { createServices } from './services.js';

/** A worker that dies sooner than this after its start counts as failing again (longer backoff). */
const STABLE_AFTER_MS = 30_000;
const FIRST_RESTART_DELAY_MS = 250;
const MAX_RESTART_DELAY_MS = 30_000;
/** Workers get 10 s to let their clients go (see serve) plus the time to flush their logs. */
const STOP_GRACE_MS = 30_000;

/** Why `serve --workers N` cannot run on this configuration, or null when it can. */
export function workersProblem(config: Config, workers: number): string | null {
  if (workers <= 1) return null;
  if (config.database.kind === 'sqlite') {
    return `--workers ${workers} needs PostgreSQL (KM_DATABASE_URL): a SQLite file serves one process`;
  }
  if (!config.redisUrl) {
    return `--workers ${workers} needs Redis (KM_REDIS_URL): workers share rate limits, bans and changes through it`;
  }
  return null;
}

/**
 * `keymanager serve [--workers N]`. One worker: the process serves by itself. Several: this process
 * becomes the primary of a Node cluster. It does what must happen once (migrations, the first owner,
 * journals a run with more workers left), then forks N workers that share the port, replaces any that
 * dies, and on SIGTERM/SIGINT stops them all gracefully, each flushing its logs, before exiting.
 */
export async function serveWorkers(config: Config, workers: number): Promise<void> {
  if (cluster.isWorker) {
    await serve(config, { jobs: config.workerSlot === 1, firstOwner: false, clusterWorker: true });
    return;
  }
  const problem = workersProblem(config, workers);
  if (problem) throw new ConfigError(problem);
  if (workers === 1) {
    await replayLeftoverJournals(config, 1);
    await serve(config);
    return;
  }
  await prepareOnce(config, workers);
  runPrimary(config, workers);
}

/** What runs once per cluster, before any worker starts. */
async function prepareOnce(config: Config, workers: number): Promise<void> {
  const services = await createServices(config);
  try {
    await ensureOwner(services.admins, config.initialAdmin, undefined, services.activity);
  } finally {
    await services.close();
  }
  await replayLeftoverJournals(config, workers);
}

/**
 * Entries journaled by workers that this run will not start (the last run had more of them) are written
 * to the store now, so lowering N never strands them.
 */
async function replayLeftoverJournals(config: Config, workers: number): Promise<void> {
  for (const slot of leftoverJournalSlots(config.dataDir, workers)) {
    const services = await createServices({ ...config, workerSlot: slot });
    services.requestLogs.pipeline.start();
    await services.close();
    services.core.logger.info({ worker: slot }, 'wrote the log entries a former worker left in its journal');
  }
}

function runPrimary(config: Config, workers: number): void {
  const logger = createDiagnosticLogger(config.logLevel);
  const slotOf = new Map<Worker, number>();
  const listening = new WeakSet<Worker>();
  const startedAt = new Map<number, number>();
  const quickFailures = new Map<number, number>();
  const pendingRestarts = new Set<NodeJS.Timeout>();
  let stopping = false;

  function fork(slot: number): void {
    const worker = cluster.fork({ KM_WORKER_SLOT: String(slot) });
    slotOf.set(worker, slot);
    startedAt.set(slot, Date.now());
    worker.once('listening', () => {
      listening.add(worker);
      logger.info({ worker: slot, workerPid: worker.process.pid }, 'worker listening');
    });
    worker.once('exit', (code, signal) => {
      slotOf.delete(worker);
      if (stopping) return;
      const upMs = Date.now() - (startedAt.get(slot) ?? 0);
      const failures = upMs < STABLE_AFTER_MS ? (quickFailures.get(slot) ?? 0) + 1 : 1;
      quickFailures.set(slot, failures);
      const delayMs = Math.min(MAX_RESTART_DELAY_MS, FIRST_RESTART_DELAY_MS * 2 ** (failures - 1));
      logger.warn(
        { worker: slot, workerPid: worker.process.pid, code, signal, restartInMs: delayMs },
        'worker exited; restarting it',
      );
      const timer = setTimeout(() => {
        pendingRestarts.delete(timer);
        if (!stopping) fork(slot);
      }, delayMs);
      pendingRestarts.add(timer);
    });
  }

  function stop(signal: string): void {
    if (stopping) return;
    stopping = true;
    for (const timer of pendingRestarts) clearTimeout(timer);
    logger.info({ signal, workers: slotOf.size }, 'stopping workers');
    const running = [...slotOf.keys()];
    const exited = running.map(
      (worker) =>
        new Promise<void>((resolve) => {
          if (worker.isDead()) resolve();
          else worker.once('exit', () => resolve());
        }),
    );
    for (const worker of running) {
      // A worker still starting up listens to no message yet: the signal ends it (it has taken no request).
      if (listening.has(worker) && worker.isConnected()) worker.send(STOP_MESSAGE);
      else worker.process.kill('SIGTERM');
    }
    const force = setTimeout(() => {
      logger.error({ workers: slotOf.size }, 'workers still running after the grace period; killing them');
      for (const worker of slotOf.keys()) worker.process.kill('SIGKILL');
    }, STOP_GRACE_MS);
    void Promise.all(exited).then(() => {
      clearTimeout(force);
      logger.info('all workers stopped');
      logger.flush();
      process.exit(0);
    });
  }

  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  logger.info({ workers }, 'starting workers');
  for (let slot = 1; slot <= workers; slot++) fork(slot);
}
