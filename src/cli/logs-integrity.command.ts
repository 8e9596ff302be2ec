import fs from 'node:fs';
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import type { Config } from '../config/config.js';
import { systemContext } from '../logging/activity.service.js';
import { CHAINED_LOGS, type ChainedLog } from '../logging/integrity/chain.js';
import type { ChainEntrySource } from '../logging/integrity/chain-entry.js';
import { publicKeyFromPem, type SignedCheckpoint } from '../logging/integrity/checkpoint.js';
import { problemLine } from '../logging/integrity/verify-problems.js';
import type { Services } from '../services.js';
import { cliError } from './log-options.js';
import { cliServices } from './output.js';

export interface IntegrityCommandOptions {
  /** Where each log's entries are read from for `logs verify`: the database, the archives. */
  sources: (services: Services) => ChainEntrySource[];
}

interface IntegrityIo {
  stdout: Writable;
  stderr: Writable;
}

interface CheckpointOptions {
  log?: string;
  from?: string;
  to?: string;
  publicKey?: string;
  checkpoints?: string;
  expectRecent?: boolean;
}

const LOG_OPTION = 'activity, api-calls, failed-api-calls or blocked';

function write(stream: Writable, text: string): Promise<void> {
  return new Promise((resolve, reject) => stream.write(text, (error) => (error ? reject(error) : resolve())));
}

/** `--log api-calls` as the other log commands spell it, or the chain's own `api_calls`. */
function logsOf(option: string | undefined): ChainedLog[] {
  if (option === undefined) return [...CHAINED_LOGS];
  const log = option.replace(/-/g, '_') as ChainedLog;
  if (!CHAINED_LOGS.includes(log)) throw new Error(`--log must be ${LOG_OPTION}`);
  return [log];
}

function integrityOf(services: Services) {
  if (!services.integrity) throw new Error('log integrity is off (KM_LOG_INTEGRITY=false)');
  return services.integrity;
}

async function withServices(config: Config, run: (services: Services) => Promise<void>): Promise<void> {
  const services = await cliServices(config);
  try {
    await run(services);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EPIPE') return;
    throw cliError(error);
  } finally {
    await services.close();
  }
}

const CHECKPOINT_FIELDS = {
  log: 'string',
  number: 'number',
  count: 'number',
  head: 'string',
  retained_from: 'number',
  retained_after: 'string',
  end: 'string',
  key: 'string',
  signature: 'string',
} as const;

/** An exported copy, as `logs checkpoints` prints it: one checkpoint per line. */
export function readCheckpointCopy(file: string): SignedCheckpoint[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(
      `--checkpoints ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  return text
    .split('\n')
    .map((line, i) => ({ line: line.trim(), number: i + 1 }))
    .filter(({ line }) => line !== '')
    .map(({ line, number }) => {
      let value: Record<string, unknown>;
      try {
        value = JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new Error(`--checkpoints ${file} line ${number} is not JSON`);
      }
      const wrong = Object.entries(CHECKPOINT_FIELDS).find(([field, type]) => typeof value?.[field] !== type);
      const previous = value?.previous;
      if (wrong || (previous !== null && typeof previous !== 'string')) {
        throw new Error(
          `--checkpoints ${file} line ${number} is not a checkpoint (${wrong?.[0] ?? 'previous'})`,
        );
      }
      return value as unknown as SignedCheckpoint;
    });
}

function readPublicKey(file: string) {
  let pem: string;
  try {
    pem = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(
      `--public-key ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  try {
    return publicKeyFromPem(pem);
  } catch {
    throw new Error(`--public-key ${file} is not a public key in PEM form`);
  }
}

/** `logs checkpoints`: every stored checkpoint in the range as NDJSON, to keep a copy elsewhere. */
export function checkpointsAction(
  config: Config,
  options: CheckpointOptions,
  io: IntegrityIo,
): Promise<void> {
  return withServices(config, async (services) => {
    const integrity = integrityOf(services);
    const logs = logsOf(options.log);
    let count = 0;
    for (const log of logs) {
      for await (const checkpoint of integrity.service.all({ log, from: options.from, to: options.to })) {
        await write(io.stdout, JSON.stringify(checkpoint) + '\n');
        count++;
      }
    }
    await services.activity.record(
      systemContext('cli'),
      {
        action_type: 'LOG_CHECKPOINTS_EXPORTED',
        resource_type: 'logs',
        resource: 'log checkpoints',
        details: { logs, from: options.from ?? null, to: options.to ?? null, checkpoints: count },
      },
      async () => {},
    );
    await write(io.stderr, `${count} checkpoint${count === 1 ? '' : 's'}\n`);
  });
}

/**
 * `logs verify`: each problem on its own line, then a summary per log; fails (non-zero exit) when any
 * problem was found.
 */
export function verifyAction(
  config: Config,
  options: CheckpointOptions,
  io: IntegrityIo,
  command: IntegrityCommandOptions,
): Promise<void> {
  return withServices(config, async (services) => {
    const integrity = integrityOf(services);
    const logs = logsOf(options.log);
    const publicKey = options.publicKey ? readPublicKey(options.publicKey) : integrity.key.publicKey;
    const copy = options.checkpoints ? readCheckpointCopy(options.checkpoints) : undefined;
    const { problems, summaries } = await integrity.service.verify({
      logs,
      ...(options.from !== undefined && { from: options.from }),
      ...(options.to !== undefined && { to: options.to }),
      publicKey,
      ...(copy && { copy }),
      sources: command.sources(services),
      ...(options.expectRecent && { now: services.core.clock.now() }),
    });
    for (const problem of problems) await write(io.stdout, problemLine(problem) + '\n');
    for (const s of summaries) {
      await write(
        io.stdout,
        `${s.log}: ${s.entriesChecked} entries, ${s.checkpointsChecked} checkpoints checked\n`,
      );
    }
    await services.activity.record(
      systemContext('cli'),
      {
        action_type: 'LOGS_VERIFIED',
        resource_type: 'logs',
        resource: 'log integrity',
        details: {
          logs,
          from: options.from ?? null,
          to: options.to ?? null,
          against_copy: Boolean(copy),
          problems: problems.length,
          entries_checked: summaries.reduce((sum, s) => sum + s.entriesChecked, 0),
          checkpoints_checked: summaries.reduce((sum, s) => sum + s.checkpointsChecked, 0),
        },
      },
      async () => {},
    );
    await write(io.stdout, problems.length ? `${problems.length} problems found\n` : 'no problems found\n');
    if (problems.length) {
      throw new Error(`verification found ${problems.length} problem${problems.length === 1 ? '' : 's'}`);
    }
  });
}

/** The tamper-evidence commands under `keymanager logs`. */
export function registerLogIntegrityCommands(
  logs: Command,
  config: () => Config,
  io: IntegrityIo,
  command: IntegrityCommandOptions,
): void {
  logs
    .command('checkpoints')
    .description('the signed checkpoints as NDJSON, to keep a copy elsewhere (WORM storage, an auditor)')
    .option('--log <log>', LOG_OPTION)
    .option('--from <time>', 'checkpoints ending at or after this ISO 8601 time')
    .option('--to <time>', 'checkpoints ending at or before this ISO 8601 time')
    .action((options: CheckpointOptions) => checkpointsAction(config(), options, io));
  logs
    .command('verify')
    .description('check entries and checkpoints; exits non-zero on any problem')
    .option('--log <log>', LOG_OPTION)
    .option('--from <time>', 'from the first checkpoint at or after this ISO 8601 time')
    .option('--to <time>', 'up to the last checkpoint at or before this ISO 8601 time')
    .option('--public-key <file>', 'the PEM public key to check signatures with (default: this server’s)')
    .option('--checkpoints <file>', 'an exported copy of the checkpoints (NDJSON) to verify against')
    .option(
      '--expect-recent',
      'the server is running: a newest checkpoint older than two intervals is a gap (for monitoring)',
    )
    .action((options: CheckpointOptions) => verifyAction(config(), options, io, command));
}
