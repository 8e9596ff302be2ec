import fs from 'node:fs';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import type { Config } from '../config/config.js';
import { exportStream, pageText, type ExportFormat } from '../logging/log-export.js';
import type { Services } from '../services.js';
import { tableLines } from './log-table.js';
import {
  cliError,
  queryOf,
  recordingFailure,
  recordRead,
  wholeNumber,
  withFilters,
  type LogsOptions,
} from './log-options.js';
import { cliServices } from './output.js';
import { progressReporter } from './progress.js';
import { followLog } from './log-follow.js';
import { archivedChainEntrySource } from '../logging/archive/archive-reader.js';
import { liveChainSource } from '../logging/integrity/chain-reads.js';
import { registerLogIntegrityCommands, type IntegrityCommandOptions } from './logs-integrity.command.js';
import { registerLogsPruneCommand } from './logs-prune.command.js';
import { registerArchiveCommands } from './logs-archive.command.js';

export interface LogsIo {
  stdout: Writable;
  stderr: Writable & { isTTY?: boolean };
}

const processIo: LogsIo = { stdout: process.stdout, stderr: process.stderr };

function write(stream: Writable, text: string): Promise<void> {
  return new Promise((resolve, reject) => stream.write(text, (error) => (error ? reject(error) : resolve())));
}

async function withServices(config: Config, run: (services: Services) => Promise<void>): Promise<void> {
  const services = await cliServices(config);
  try {
    await run(services);
  } catch (error) {
    // The reader went away (`| head`): what it wanted was written.
    if ((error as NodeJS.ErrnoException).code === 'EPIPE') return;
    throw cliError(error);
  } finally {
    await services.close();
  }
}

/** `logs search`: one page, as a table (default), NDJSON or CSV; the next page's cursor goes to stderr. */
export function searchLogsAction(
  config: Config,
  options: LogsOptions,
  io: LogsIo = processIo,
): Promise<void> {
  return withServices(config, async (services) => {
    const format = options.format ?? 'table';
    if (!['table', 'ndjson', 'csv'].includes(format))
      throw new Error('--format must be table, ndjson or csv');
    const { reader, query } = await queryOf(services, options, {
      ...(options.limit !== undefined && { limit: options.limit }),
      ...(options.cursor !== undefined && { cursor: options.cursor }),
    });
    const page = await recordingFailure(services, reader.name, query, () => reader.list(query));
    await recordRead(services, reader.name, query);
    if (format === 'table') {
      await write(io.stdout, page.data.length ? tableLines(reader.name, page.data).join('\n') + '\n' : '');
    } else {
      await write(io.stdout, pageText(format as ExportFormat, reader.columns, page.data, true));
    }
    const count = `${page.data.length} ${page.data.length === 1 ? 'entry' : 'entries'}`;
    await write(
      io.stderr,
      page.next_cursor ? `${count}; more: --cursor ${page.next_cursor}\n` : `${count}\n`,
    );
  });
}

function openNew(file: string): number {
  try {
    return fs.openSync(file, 'wx');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new Error(`--output ${file} exists; exports only write new files`);
    throw new Error(`--output ${file} cannot be created (${code ?? 'error'})`);
  }
}

/** `logs export`: every matching entry, streamed to --output or stdout, with progress on stderr. */
export function exportLogsAction(
  config: Config,
  options: LogsOptions,
  io: LogsIo = processIo,
): Promise<void> {
  return withServices(config, async (services) => {
    const format = (options.format ?? 'csv') as ExportFormat;
    if (format !== 'csv' && format !== 'ndjson') throw new Error('--format must be csv or ndjson');
    const { reader, query } = await queryOf(services, options, { format });
    const showProgress = Boolean(options.progress ?? io.stderr.isTTY);
    const progress = progressReporter(io.stderr, showProgress && Boolean(io.stderr.isTTY));
    const stream = await recordingFailure(services, reader.name, query, () =>
      exportStream(format, reader.columns, reader.list, query, {
        onRows: (rows) => showProgress && progress.add(rows),
      }),
    );
    await recordRead(services, reader.name, query);
    if (!options.output) {
      await pipeline(stream, io.stdout, { end: false });
    } else {
      // A new file only: an export never overwrites one. Opened first, so a failure removes only it.
      const fd = openNew(options.output);
      try {
        await pipeline(stream, fs.createWriteStream('', { fd }));
      } catch (error) {
        fs.rmSync(options.output, { force: true });
        throw error;
      }
    }
    if (showProgress) progress.done(options.output ?? 'stdout');
  });
}

/** `logs tail`: the last entries, oldest first; with --follow, new ones as they arrive until interrupted. */
export function tailLogsAction(
  config: Config,
  options: LogsOptions,
  io: LogsIo = processIo,
  signal?: AbortSignal,
): Promise<void> {
  return withServices(config, async (services) => {
    const format = options.format ?? 'table';
    if (format !== 'table' && format !== 'ndjson') throw new Error('--format must be table or ndjson');
    const lines = wholeNumber('lines', options.lines, 10, 200);
    const intervalMs = wholeNumber('interval', options.interval, 1000, 3_600_000);
    const lookbackMs = wholeNumber('lookback', options.lookback, 2000, 3_600_000);
    const { reader, query } = await queryOf(services, options, {});
    const how = { tail: true, follow: Boolean(options.follow) };
    let header = format === 'table';
    await followLog({
      reader,
      query,
      lines,
      follow: how.follow,
      intervalMs,
      lookbackMs,
      now: () => services.core.clock.now(),
      sleep: (ms) => sleep(ms, undefined, { signal }),
      signal,
      firstRead: (read) => recordingFailure(services, reader.name, query, read, how),
      started: () => recordRead(services, reader.name, query, how),
      print: async (entries) => {
        if (entries.length === 0) return;
        const text =
          format === 'table'
            ? tableLines(reader.name, entries, header).join('\n') + '\n'
            : entries.map((entry) => JSON.stringify(entry)).join('\n') + '\n';
        header = false;
        await write(io.stdout, text);
      },
    });
  });
}

function interruptible(): { signal: AbortSignal; release: () => void } {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return {
    signal: controller.signal,
    release: () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    },
  };
}

/** `logs verify` reads the live entries and, for the part retention deleted, the archives. */
const LIVE_AND_ARCHIVED: IntegrityCommandOptions = {
  sources: (services) => [
    liveChainSource(services.core.db),
    ...(services.archives.enabled ? [archivedChainEntrySource(services.archives.store())] : []),
  ],
};

export function registerLogsCommand(
  program: Command,
  config: () => Config,
  io: LogsIo = processIo,
  integrity: IntegrityCommandOptions = LIVE_AND_ARCHIVED,
): void {
  const logs = program.command('logs').description('search, export and follow the logs');
  withFilters(logs.command('search').description('one page of entries, newest first'))
    .option('--format <format>', 'table (default), ndjson or csv')
    .option('--limit <n>', 'entries per page (1-200, default 50)')
    .option('--cursor <cursor>', 'the next page, as printed by the previous search')
    .action((options: LogsOptions) => searchLogsAction(config(), options, io));
  withFilters(logs.command('export').description('every matching entry, newest first, streamed'))
    .option('--format <format>', 'csv (default) or ndjson')
    .option('--output <file>', 'write to this new file instead of stdout')
    .option('--progress', 'report rows written on stderr (default when stderr is a terminal)')
    .action((options: LogsOptions) => exportLogsAction(config(), options, io));
  withFilters(logs.command('tail').description('the latest entries; with --follow, new ones as they arrive'))
    .option('--format <format>', 'table (default) or ndjson')
    .option('--lines <n>', 'how many of the latest entries to show first (default 10)')
    .option('-f, --follow', 'keep printing new entries until interrupted')
    .option('--interval <ms>', 'how often to look for new entries (default 1000)')
    .option('--lookback <ms>', 'also look this far back for entries stored late (default 2000)')
    .action(async (options: LogsOptions) => {
      const { signal, release } = interruptible();
      try {
        await tailLogsAction(config(), options, io, signal);
      } finally {
        release();
      }
    });
  registerLogIntegrityCommands(logs, config, io, integrity);
  registerLogsPruneCommand(logs, config, io.stdout);
  registerArchiveCommands(logs, config, io);
}
