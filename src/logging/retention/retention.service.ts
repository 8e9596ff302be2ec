import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyBaseLogger } from 'fastify';
import type { Db, Dialect } from '../../db/database.js';
import type { Clock } from '../../shared/clock.js';
import { systemContext, type ActivityService } from '../activity.service.js';
import type { LoggingSettingsHolder } from '../logging-settings.js';
import { createLogPartitions } from './log-partitions.js';
import { DAY_MS, retentionCutoff } from './retention-cutoff.js';
import { NO_RETENTION_HOOKS, type RetentionHooks } from './retention-hooks.js';
import { createRetentionRepository } from './retention.repository.js';
import {
  LOG_TABLES,
  RETAINED_LOGS,
  type LogTableName,
  type RetainedLog,
  type RetainedLogTable,
} from './retained-logs.js';

export interface RetentionDeps {
  db: Db;
  dialect: Dialect;
  clock: Clock;
  logger: FastifyBaseLogger;
  settings: LoggingSettingsHolder;
  activity: ActivityService;
  hooks?: Partial<RetentionHooks>;
  /** The analytics rollups: their buckets older than every request log's cutoff go with the entries. */
  rollups?: { deleteBefore(minute: number): Promise<void> };
  /** Entries one deletion removes at most (default: 500 on SQLite, 5,000 on PostgreSQL). */
  batchSize?: number;
}

export interface PruneOptions {
  /** Count what would go, delete nothing, call no hook. */
  dryRun?: boolean;
  /** Default: all four. */
  logs?: readonly RetainedLog[];
  /** Who the activity entry names: the job or the command. */
  actor?: string;
}

export interface PruneOutcome {
  log: RetainedLog;
  /** Entries before this instant are past retention. */
  cutoff: string;
  /** Entries deleted, or that would be with `dryRun`. */
  deleted: number;
  /** Whole days dropped as partitions (PostgreSQL). */
  partitionsDropped: number;
  /** Why nothing of the log was deleted (its archive failed). */
  error?: string;
}

const TABLES: LogTableName[] = ['activity_log', 'api_call_log', 'blocked_log'];
const ID_AT = {
  activity_log: LOG_TABLES.activity.idAt,
  api_call_log: LOG_TABLES.api_calls.idAt,
  blocked_log: LOG_TABLES.blocked.idAt,
};

/**
 * Deletes what the logging settings' `retention_days` no longer keep, log by log: the archive hook
 * first (nothing is deleted unless it succeeds), then on PostgreSQL whole expired days dropped as
 * partitions, then what remains below the cutoff by id range in short batches. On SQLite a batch
 * holds the database's one write lock, so the loop pauses after each for as long as it took: the
 * log writer and the API's writes get the lock at least half of the time.
 */
export function createRetentionService(deps: RetentionDeps) {
  const { db, clock, logger, settings, activity } = deps;
  const hooks: RetentionHooks = { ...NO_RETENTION_HOOKS, ...deps.hooks };
  const postgres = deps.dialect === 'postgres';
  const repository = createRetentionRepository(db);
  const partitions = postgres ? createLogPartitions(db, ID_AT) : null;
  const batchSize = deps.batchSize ?? (postgres ? 5000 : 500);

  async function deleteBelow(spec: RetainedLogTable, before: string | Buffer): Promise<number> {
    let after: string | Buffer | null = null;
    let total = 0;
    for (;;) {
      const started = performance.now();
      const batch = await repository.deleteBatch(spec, before, after, batchSize, hooks.onDeleted);
      if (batch.lastId === null) return total;
      total += batch.deleted;
      after = batch.lastId;
      const took = performance.now() - started;
      if (postgres) await new Promise((resolve) => setImmediate(resolve));
      else await sleep(Math.max(1, took));
    }
  }

  /**
   * Drops the table's partitions whose whole day is past the retention of every log it holds, when
   * all of them are being pruned (archived) in this run. Returns what went, per log.
   */
  async function dropExpiredDays(
    table: LogTableName,
    specs: { spec: RetainedLogTable; cutoff: Date; archived: boolean }[],
  ) {
    const dropped = new Map<RetainedLog, { deleted: number; days: number }>();
    const holds = RETAINED_LOGS.filter((log) => LOG_TABLES[log].table === table);
    if (!partitions || specs.length !== holds.length) return dropped;
    const through = Math.min(...specs.map((s) => s.cutoff.getTime()));
    for (const day of await partitions.dayPartitions(table)) {
      if (day.day + DAY_MS > through) break;
      await db.transaction().execute(async (tx) => {
        if (!(await partitions.lockPresent(tx, table, day.name))) return;
        const counts = await partitions.countIn(
          tx,
          day.name,
          specs.map((s) => s.spec.rows),
        );
        // A log that had nothing expired was not archived: an entry of it stored since (a late one, replayed
        // from the spool) keeps the day until the next run archives it.
        if (specs.some((s, i) => !s.archived && counts[i]! > 0)) return;
        // The chains' starts move first: each reads the hash of its log's last entry in the day.
        for (const [i, { spec }] of specs.entries()) {
          if (counts[i]! > 0)
            await hooks.onDeleted(
              tx,
              spec.log,
              await repository.firstIdFrom(tx, spec, spec.idAt(day.day + DAY_MS)),
              await repository.highestChainSeq(tx, spec, spec.idAt(day.day + DAY_MS), false),
            );
        }
        await partitions.dropDay(tx, table, day.name);
        for (const [i, { spec }] of specs.entries()) {
          const sum = dropped.get(spec.log) ?? { deleted: 0, days: 0 };
          dropped.set(spec.log, { deleted: sum.deleted + counts[i]!, days: sum.days + 1 });
        }
      });
    }
    return dropped;
  }

  /** Creates the coming days' partitions (PostgreSQL); the job does so on every run. */
  async function prepareAhead(): Promise<string[]> {
    return partitions ? partitions.ensureAhead(clock.now(), TABLES) : [];
  }

  async function record(actor: string, outcome: PruneOutcome, error?: unknown): Promise<void> {
    const spec = {
      action_type: 'LOGS_PRUNED' as const,
      resource_type: 'logs' as const,
      resource: outcome.log,
      details: { log: outcome.log, deleted: outcome.deleted, cutoff: outcome.cutoff },
    };
    if (error !== undefined) await activity.recordFailure(systemContext(actor), spec, error);
    else await activity.record(systemContext(actor), spec, async () => {});
  }

  return {
    /** Creates the coming days' partitions (PostgreSQL); the job does so on every run. */
    prepareAhead,

    async prune(options: PruneOptions = {}): Promise<PruneOutcome[]> {
      const now = clock.now();
      const days = settings.current().retention_days;
      const actor = options.actor ?? 'retention';
      const plans = (options.logs ?? RETAINED_LOGS).map((log) => {
        const cutoff = retentionCutoff(now, days[log]);
        const spec = LOG_TABLES[log];
        return { spec, cutoff, before: spec.idAt(cutoff.getTime()) };
      });
      const outcomes = new Map<RetainedLog, PruneOutcome>(
        plans.map(({ spec, cutoff }) => [
          spec.log,
          { log: spec.log, cutoff: cutoff.toISOString(), deleted: 0, partitionsDropped: 0 },
        ]),
      );
      if (options.dryRun) {
        for (const plan of plans) {
          outcomes.get(plan.spec.log)!.deleted = await repository.countBefore(plan.spec, plan.before);
        }
        return [...outcomes.values()];
      }

      try {
        await prepareAhead();
      } catch (error) {
        // Writes meanwhile go to the default partition; deleting what expired does not wait for this.
        logger.error({ err: error }, 'log partitions for the coming days not created');
      }
      const archived: ((typeof plans)[number] & { archived: boolean })[] = [];
      for (const plan of plans) {
        // Nothing expired: nothing to archive, and the log does not hold back its table's partitions.
        if (!(await repository.anyBefore(plan.spec, plan.before))) {
          archived.push({ ...plan, archived: false });
          continue;
        }
        try {
          await hooks.archiveBefore(plan.spec.log, plan.spec.idText(plan.before));
          archived.push({ ...plan, archived: true });
        } catch (error) {
          const outcome = outcomes.get(plan.spec.log)!;
          outcome.error = error instanceof Error ? error.message : String(error);
          logger.error({ err: error, log: plan.spec.log }, 'log archive failed: nothing of the log deleted');
          await record(actor, outcome, error);
        }
      }
      for (const table of TABLES) {
        const ofTable = archived.filter((plan) => plan.spec.table === table);
        for (const [log, { deleted, days: count }] of await dropExpiredDays(table, ofTable)) {
          outcomes.get(log)!.deleted += deleted;
          outcomes.get(log)!.partitionsDropped += count;
        }
      }
      for (const plan of archived.filter((p) => p.archived)) {
        const outcome = outcomes.get(plan.spec.log)!;
        outcome.deleted += await deleteBelow(plan.spec, plan.before);
        if (outcome.deleted > 0) await record(actor, outcome);
      }
      // Rollups keep addresses and licence-key hashes among their top values: they go once every request
      // log they summarise has let go of the same time.
      const summarised = archived.filter((plan) => plan.spec.table !== 'activity_log');
      if (deps.rollups && summarised.length === 3) {
        const through = Math.min(...summarised.map((plan) => plan.cutoff.getTime()));
        await deps.rollups.deleteBefore(Math.floor(through / 60_000));
      }
      return [...outcomes.values()];
    },
  };
}

export type RetentionService = ReturnType<typeof createRetentionService>;
