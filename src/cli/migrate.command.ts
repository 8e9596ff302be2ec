import type { Command } from 'commander';
import type { Config } from '../config/config.js';
import { openDatabase } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';

export function registerMigrateCommand(program: Command, config: () => Config): void {
  program
    .command('migrate')
    .description('bring the database schema up to date')
    .action(async () => {
      const database = openDatabase(config().database);
      try {
        const applied = await migrateToLatest(database.db);
        process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'schema is up to date\n');
      } finally {
        await database.destroy();
      }
    });
}
