import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import type { Config } from '../config/config.js';
import { archiveDay, archiveLogName } from '../logging/archive/archives.service.js';
import { CHAINED_LOGS, type ChainedLog } from '../logging/integrity/chain.js';
import { cliServices } from './output.js';

export interface ArchiveIo {
  stdout: Writable;
}

export interface ArchiveOptions {
  log?: string;
  before?: string;
}

export interface RestoreOptions {
  log?: string;
  from?: string;
  to?: string;
}

const processIo: ArchiveIo = { stdout: process.stdout };

const logsOf = (name: string | undefined): ChainedLog[] =>
  name === undefined ? [...CHAINED_LOGS] : [archiveLogName(name)];

const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** `logs archive`: every complete UTC day before --before (default: what retention deletes next) not archived yet. */
export async function archiveLogsAction(
  config: Config,
  options: ArchiveOptions,
  io: ArchiveIo = processIo,
): Promise<void> {
  // Checked before anything is opened: a bad option changes nothing.
  const logs = logsOf(options.log);
  const before = options.before === undefined ? undefined : archiveDay('before', options.before);
  const services = await cliServices(config);
  try {
    const reports = await services.archives.archiveDays(logs, before);
    for (const report of reports) {
      const what = report.parts.length
        ? `${count(report.entries, 'entry', 'entries')} in ${count(report.parts.length, 'file', 'files')} (${report.bytes} bytes)`
        : 'nothing new';
      io.stdout.write(`${report.log}: before ${report.before}: ${what}\n`);
    }
    io.stdout.write(`archives: ${services.archives.location}\n`);
  } finally {
    await services.close();
  }
}

/** `logs restore`: archived entries of --from..--to back in the database, those still there skipped. */
export async function restoreLogsAction(
  config: Config,
  options: RestoreOptions,
  io: ArchiveIo = processIo,
): Promise<void> {
  if (options.from === undefined || options.to === undefined) throw new Error('--from and --to are required');
  const from = archiveDay('from', options.from);
  const to = archiveDay('to', options.to);
  if (from > to) throw new Error('--from must not be after --to');
  const logs = logsOf(options.log);
  const services = await cliServices(config);
  try {
    const report = await services.archives.restore(logs, from, to);
    io.stdout.write(
      `${report.restored} restored, ${report.skipped} skipped (still present), from ${count(report.files, 'archive file', 'archive files')}\n`,
    );
  } finally {
    await services.close();
  }
}

export function registerArchiveCommands(
  logs: Command,
  config: () => Config,
  io: ArchiveIo = processIo,
): void {
  const logNames = `${CHAINED_LOGS.join(', ')} (default: all)`;
  logs
    .command('archive')
    .description('archive complete UTC days of the logs as compressed NDJSON with manifests')
    .option('--log <log>', logNames)
    .option(
      '--before <date>',
      'archive the days before this one (YYYY-MM-DD; default: what retention deletes next)',
    )
    .action((options: ArchiveOptions) => archiveLogsAction(config(), options, io));
  logs
    .command('restore')
    .description('put archived entries back so they can be searched again; never duplicates one')
    .requiredOption('--from <date>', 'first UTC day (YYYY-MM-DD)')
    .requiredOption('--to <date>', 'last UTC day (YYYY-MM-DD), included')
    .option('--log <log>', logNames)
    .action((options: RestoreOptions) => restoreLogsAction(config(), options, io));
}
