import type { Config } from '../../config/config.js';
import type { CoreDeps } from '../../shared/deps.js';
import { systemContext, type ActivityContext, type ActivityService } from '../activity.service.js';
import { CHAINED_LOGS, type ChainedLog } from '../integrity/chain.js';
import { idBoundary } from '../log-entry.js';
import type { LoggingSettingsHolder } from '../logging-settings.js';
import { dayStart, isDay, type ArchiveManifest } from './archive-format.js';
import { directoryArchiveStore, type ArchiveStore } from './archive-store.js';
import { createLogArchives, type RestoreReport } from './log-archives.js';
import { s3ArchiveStore } from './s3-archive-store.js';

/** The store the configuration names: S3-compatible storage when `KM_ARCHIVE_S3_URL` is set, else the directory. */
export function configuredArchiveStore(config: Config['archive']): ArchiveStore & { close?: () => void } {
  return config.s3Url ? s3ArchiveStore(config.s3Url) : directoryArchiveStore(config.dir);
}

/** `api-calls` (the API's and the CLI's spelling) or `api_calls` (the chain's) to the chain's name. */
export function archiveLogName(name: string): ChainedLog {
  const log = name.replace(/-/g, '_');
  if (!(CHAINED_LOGS as readonly string[]).includes(log)) {
    throw new Error(`unknown log ${JSON.stringify(name)}: expected one of ${CHAINED_LOGS.join(', ')}`);
  }
  return log as ChainedLog;
}

/** A `YYYY-MM-DD` option value, checked. */
export function archiveDay(option: string, value: string): string {
  if (!isDay(value)) throw new Error(`--${option} must be a date (YYYY-MM-DD), got ${JSON.stringify(value)}`);
  return value;
}

export interface ArchiveRunReport {
  log: ChainedLog;
  /** Entries older than this day's start were archived. */
  before: string;
  parts: ArchiveManifest[];
  entries: number;
  bytes: number;
}

/**
 * Archives and restore as the retention job and the command line use them, each run recorded in the
 * activity log (LOGS_ARCHIVED, LOGS_RESTORED).
 */
export function createArchivesService(
  core: Pick<CoreDeps, 'config' | 'db' | 'clock'>,
  activity: ActivityService,
  settings: LoggingSettingsHolder,
) {
  let opened: (ArchiveStore & { close?: () => void }) | undefined;
  // Opened on first use: a server that never archives never touches the directory or the bucket.
  const store = () => (opened ??= configuredArchiveStore(core.config.archive));
  let archives: ReturnType<typeof createLogArchives> | undefined;
  const logArchives = () =>
    (archives ??= createLogArchives({ db: core.db, store: store(), clock: core.clock }));

  /** The first day retention will not delete at its next run: archive what lies before it. */
  function retentionBoundary(log: ChainedLog): string {
    const days = settings.current().retention_days[log];
    const next = core.clock.now().getTime() + core.config.retention.intervalSeconds * 1000;
    return new Date(next - days * 86_400_000).toISOString().slice(0, 10);
  }

  async function archiveBefore(
    log: ChainedLog,
    beforeId: string,
    ctx: ActivityContext = systemContext('retention'),
  ): Promise<ArchiveManifest[]> {
    const parts = await logArchives().archiveBefore(log, beforeId);
    if (parts.length > 0) {
      await activity.record(
        ctx,
        {
          action_type: 'LOGS_ARCHIVED',
          resource_type: 'logs',
          resource: `${log} log`,
          details: {
            log,
            before: beforeId,
            location: store().location,
            entries: parts.reduce((sum, p) => sum + p.entries, 0),
            files: parts.map((p) => p.file),
          },
        },
        async () => {},
      );
    }
    return parts;
  }

  return {
    /** `KM_ARCHIVE`: whether retention archives before it deletes (the commands work either way). */
    enabled: core.config.archive.enabled,
    get location() {
      return store().location;
    },
    retentionBoundary,
    archiveBefore,

    /** Every complete UTC day before `beforeDay` (default: what retention deletes next) not archived yet. */
    async archiveDays(
      logs: readonly ChainedLog[],
      beforeDay?: string,
      ctx: ActivityContext = systemContext('cli'),
    ): Promise<ArchiveRunReport[]> {
      const reports: ArchiveRunReport[] = [];
      for (const log of logs) {
        const before = beforeDay ?? retentionBoundary(log);
        const parts = await archiveBefore(log, idBoundary('log', dayStart(before), false), ctx);
        reports.push({
          log,
          before,
          parts,
          entries: parts.reduce((sum, p) => sum + p.entries, 0),
          bytes: parts.reduce((sum, p) => sum + p.bytes, 0),
        });
      }
      return reports;
    },

    /** Archived entries of `fromDay..toDay` back in the database; a corrupt archive restores nothing. */
    async restore(
      logs: readonly ChainedLog[],
      fromDay: string,
      toDay: string,
      ctx: ActivityContext = systemContext('cli'),
    ): Promise<RestoreReport> {
      if (fromDay > toDay) throw new Error('--from must not be after --to');
      const spec = {
        action_type: 'LOGS_RESTORED' as const,
        resource_type: 'logs' as const,
        resource: logs.length === 1 ? `${logs[0]} log` : 'logs',
        details: { logs, from: fromDay, to: toDay, location: store().location },
      };
      try {
        const report = await logArchives().restore(logs, fromDay, toDay);
        await activity.record(ctx, { ...spec, details: { ...spec.details, ...report } }, async () => {});
        return report;
      } catch (error) {
        await activity.recordFailure(ctx, spec, error);
        throw error;
      }
    },

    manifests: (log: ChainedLog) => logArchives().manifests(log),
    store,
    close(): void {
      opened?.close?.();
    },
  };
}

export type ArchivesService = ReturnType<typeof createArchivesService>;
