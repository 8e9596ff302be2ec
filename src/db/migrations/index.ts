import type { Migration, MigrationProvider } from 'kysely';
import * as core from './0001-core.js';
import * as loggingSettingsAndActivity from './0002-logging-settings-and-activity.js';
import * as requestLogs from './0003-request-logs.js';
// 0004 and 0005 come from the request-log storage work; 0006 follows them.
import * as activityLogSearch from './0006-activity-log-search.js';

/** Every migration, in order. Frozen in time: a shipped migration is never edited, only followed. */
const migrations: Record<string, Migration> = {
  '0001-core': core,
  '0002-logging-settings-and-activity': loggingSettingsAndActivity,
  '0003-request-logs': requestLogs,
  // (0004, 0005: request-log storage)
  '0006-activity-log-search': activityLogSearch,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
