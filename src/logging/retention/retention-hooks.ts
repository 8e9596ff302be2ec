import type { Executor } from '../../db/database.js';
import type { RetainedLog } from './retained-logs.js';

/**
 * What retention asks of the archives and of the hash chains. The defaults do nothing; services.ts
 * passes the real ones.
 */
export interface RetentionHooks {
  /**
   * Called before anything of `log` older than `beforeId` (an id bound `log_…`, exclusive) is
   * deleted, and awaited: the archive of those entries must exist first. If it throws, nothing of
   * that log is deleted in this run; the error is reported and the next run tries again.
   */
  archiveBefore(log: RetainedLog, beforeId: string): Promise<void>;
  /**
   * Called inside each deletion's transaction, just before its rows go: `firstKeptId` is the oldest
   * entry of `log` that will still be stored (null when the log will be empty), so the chain's
   * retained start moves with the deletion, atomically, while the hash before it can still be read.
   */
  onDeleted(
    executor: Executor,
    log: RetainedLog,
    firstKeptId: string | null,
    /** The highest chain position among the entries about to go; null when none is chained. */
    highestDeletedSeq: number | null,
  ): Promise<void>;
}

export const NO_RETENTION_HOOKS: RetentionHooks = {
  archiveBefore: async () => {},
  onDeleted: async () => {},
};
