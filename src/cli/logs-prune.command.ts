import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import type { Config } from '../config/config.js';
import type { PruneOutcome } from '../logging/retention/retention.service.js';
import { RETAINED_LOGS, retainedLogNamed } from '../logging/retention/retained-logs.js';
import { cliError } from './log-options.js';
import { cliServices } from './output.js';

export interface PruneOptions {
  dryRun?: boolean;
  log?: string;
}

const cliName = (log: string) => log.replace(/_/g, '-');

function line(outcome: PruneOutcome, dryRun: boolean): string {
  const entries = `${outcome.deleted} ${outcome.deleted === 1 ? 'entry' : 'entries'}`;
  const before = `before ${outcome.cutoff}`;
  if (outcome.error) return `${cliName(outcome.log)}: nothing deleted: archive failed: ${outcome.error}`;
  if (dryRun) return `${cliName(outcome.log)}: ${entries} ${before} would be deleted`;
  const dropped = outcome.partitionsDropped;
  const days = dropped ? ` (${dropped} whole ${dropped === 1 ? 'day' : 'days'} dropped)` : '';
  return `${cliName(outcome.log)}: ${entries} ${before} deleted${days}`;
}

/**
 * `logs prune`: what the job does, now, for one log or all: retention, then anonymization past each
 * log's `anonymize_after_days`; with --dry-run only the retention counts. A log whose archive failed
 * keeps everything and makes the command fail after the others are done.
 */
export async function pruneLogsAction(
  config: Config,
  options: PruneOptions,
  stdout: Writable,
): Promise<void> {
  const log = options.log === undefined ? undefined : retainedLogNamed(options.log);
  if (options.log !== undefined && log === undefined) {
    throw new Error(`--log must be one of ${RETAINED_LOGS.map(cliName).join(', ')}, got "${options.log}"`);
  }
  const services = await cliServices(config);
  try {
    const dryRun = Boolean(options.dryRun);
    const outcomes = await services.retention.service.prune({
      dryRun,
      ...(log && { logs: [log] }),
      actor: 'cli',
    });
    stdout.write(outcomes.map((outcome) => line(outcome, dryRun)).join('\n') + '\n');
    if (!dryRun) {
      // What the job does after pruning: entries past `anonymize_after_days` lose their full address.
      const anonymized = await services.logAnonymizer.run();
      const lines = Object.entries(anonymized)
        .filter(([name]) => log === undefined || name === log)
        .map(([name, count]) => `${cliName(name)}: ${count} ${count === 1 ? 'entry' : 'entries'} anonymized`);
      if (lines.length) stdout.write(lines.join('\n') + '\n');
    }
    const failed = outcomes.filter((outcome) => outcome.error);
    if (failed.length) {
      throw new Error(
        `archive failed for ${failed.map((o) => cliName(o.log)).join(', ')}: nothing of it deleted`,
      );
    }
  } catch (error) {
    throw cliError(error);
  } finally {
    await services.close();
  }
}

export function registerLogsPruneCommand(logs: Command, config: () => Config, stdout: Writable): void {
  logs
    .command('prune')
    .description("delete the entries older than each log's retention_days (archived first)")
    .option('--dry-run', 'count what would be deleted, delete nothing')
    .option('--log <log>', `one log only: ${RETAINED_LOGS.map(cliName).join(', ')} (default: all)`)
    .action((options: PruneOptions) => pruneLogsAction(config(), options, stdout));
}
