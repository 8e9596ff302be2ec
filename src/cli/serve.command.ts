import { InvalidArgumentError, type Command } from 'commander';
import { serveWorkers } from '../cluster.js';
import { MAX_WORKERS, type Config } from '../config/config.js';

function workerCount(raw: string): number {
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || value < 1 || value > MAX_WORKERS) {
    throw new InvalidArgumentError(`a whole number from 1 to ${MAX_WORKERS}`);
  }
  return value;
}

export function registerServeCommand(program: Command, config: () => Config): void {
  program
    .command('serve')
    .description('run the HTTP server (migrates the database first)')
    .option(
      '--workers <n>',
      'server processes sharing the port (default KM_WORKERS, 1); more than 1 needs PostgreSQL and Redis',
      workerCount,
    )
    .action(async (options: { workers?: number }) => {
      const loaded = config();
      await serveWorkers(loaded, options.workers ?? loaded.workers);
    });
}
