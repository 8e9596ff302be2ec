import type { Migration, MigrationProvider } from 'kysely';
import * as core from './0001-core.js';

/** Every migration, in order. Frozen in time: a shipped migration is never edited, only followed. */
const migrations: Record<string, Migration> = {
  '0001-core': core,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
