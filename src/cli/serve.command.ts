import type { Command } from 'commander';
import type { Config } from '../config/config.js';
import { serve } from '../main.js';

export function registerServeCommand(program: Command, config: () => Config): void {
  program
    .command('serve')
    .description('run the HTTP server (migrates the database first)')
    .action(async () => {
      await serve(config());
    });
}
