#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { ConfigError, loadConfig } from '../config/config.js';
import { registerAdminCommand } from './admin.command.js';
import { registerApiKeysCommand } from './api-keys.command.js';
import { registerLogsCommand } from './logs.command.js';
import { registerMigrateCommand } from './migrate.command.js';
import { registerServeCommand } from './serve.command.js';

const program = new Command('keymanager')
  .description('KeyManager licence server')
  .exitOverride()
  .configureOutput({ outputError: (text, write) => write(text) });

const config = () => loadConfig();
registerServeCommand(program, config);
registerMigrateCommand(program, config);
registerAdminCommand(program, config);
registerApiKeysCommand(program, config);
registerLogsCommand(program, config);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode);
  // One line on stderr: the reason, never a stack (which could carry request data).
  const reason = error instanceof ConfigError || error instanceof Error ? error.message : String(error);
  process.stderr.write(`keymanager: ${reason.split('\n')[0]}\n`);
  process.exit(1);
}
