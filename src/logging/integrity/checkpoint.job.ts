import type { FastifyBaseLogger } from 'fastify';
import { isUniqueViolation, type Db } from '../../db/database.js';
import type { Clock } from '../../shared/clock.js';
import { CHAINED_LOGS, type ChainedLog } from './chain.js';
import { signCheckpoint, type SignedCheckpoint } from './checkpoint.js';
import type { CheckpointRepository } from './checkpoint.repository.js';
import type { SigningKey } from './signing-key.js';

export interface CheckpointJobOptions {
  db: Db;
  checkpoints: CheckpointRepository;
  key: SigningKey;
  clock: Clock;
  logger: Pick<FastifyBaseLogger, 'warn'>;
  intervalSeconds: number;
}

/** Which interval an instant falls in: one checkpoint per log and interval, whichever process signs it. */
export const intervalOf = (instant: Date | string, intervalMs: number) =>
  Math.floor(new Date(instant).getTime() / intervalMs);

/**
 * Signs a checkpoint of each log every interval, also when nothing was logged (a silent period then
 * shows as checkpoints with the same head, and a stopped server as a time gap). Each is taken inside a
 * transaction holding the chain's head row, so its `end` covers every entry committed before it. When
 * several processes share the database, the first to sign an interval's checkpoint wins and the others
 * find it there (or lose on the primary key) and move on.
 */
export function createCheckpointJob(options: CheckpointJobOptions) {
  const { db, checkpoints, key, clock, logger } = options;
  const intervalMs = options.intervalSeconds * 1000;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<SignedCheckpoint[]> | null = null;
  let stopped = true;

  async function checkpointLog(log: ChainedLog): Promise<SignedCheckpoint | null> {
    try {
      return await db.transaction().execute(async (tx) => {
        const head = await checkpoints.lockHead(log, tx);
        if (!head) return null;
        const previous = await checkpoints.latest(log, tx);
        const now = clock.now();
        if (previous && intervalOf(previous.end, intervalMs) >= intervalOf(now, intervalMs)) return null;
        const signed = signCheckpoint(
          {
            log,
            number: (previous?.number ?? 0) + 1,
            count: head.count,
            head: head.head,
            retained_from: head.retained_from,
            retained_after: head.retained_after,
            end: now.toISOString(),
            previous: previous?.signature ?? null,
            key: key.id,
          },
          key.privateKey,
        );
        await checkpoints.insert(signed, tx);
        return signed;
      });
    } catch (error) {
      if (isUniqueViolation(error)) return null;
      throw error;
    }
  }

  async function checkpointAll(): Promise<SignedCheckpoint[]> {
    const written: SignedCheckpoint[] = [];
    for (const log of CHAINED_LOGS) {
      const signed = await checkpointLog(log);
      if (signed) written.push(signed);
    }
    return written;
  }

  /** This interval's checkpoints, those this process signed (none when another process was first). */
  function runOnce(): Promise<SignedCheckpoint[]> {
    running ??= checkpointAll().finally(() => {
      running = null;
    });
    return running;
  }

  function schedule(): void {
    if (stopped) return;
    // Just after the next interval starts, so processes started at different moments sign together.
    const delay = intervalMs - (clock.now().getTime() % intervalMs) + 10;
    timer = setTimeout(() => {
      runOnce()
        .catch((error: unknown) =>
          logger.warn({ err: error }, 'log checkpoint failed; retried next interval'),
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
      void runOnce()
        .catch((error: unknown) =>
          logger.warn({ err: error }, 'log checkpoint failed; retried next interval'),
        )
        .finally(schedule);
    },
    async stop(): Promise<void> {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await running?.catch(() => {});
    },
  };
}

export type CheckpointJob = ReturnType<typeof createCheckpointJob>;
