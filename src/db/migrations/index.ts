import type { Migration, MigrationProvider } from 'kysely';
import * as core from './0001-core.js';
import * as loggingSettingsAndActivity from './0002-logging-settings-and-activity.js';
import * as requestLogs from './0003-request-logs.js';
import * as securityRules from './0004-security-rules.js';
import * as activityLogSearch from './0005-activity-log-search.js';
import * as compactRequestLogs from './0006-compact-request-logs.js';
import * as requestLogSearch from './0007-request-log-search.js';
import * as logRollups from './0008-log-rollups.js';
import * as logChainHeads from './0009-log-chain-heads.js';
import * as logChainColumns from './0010-log-chain-columns.js';
import * as logCheckpoints from './0011-log-checkpoints.js';
import * as logPartitions from './0012-log-partitions.js';
import * as alerts from './0014-alerts.js';
import * as webhooksAndEmailTemplates from './0015-webhooks-and-email-templates.js';
import * as logSinks from './0013-log-sinks.js';
import * as adminMfa from './0016-admin-mfa.js';

/** Every migration, in order. Frozen in time: a shipped migration is never edited, only followed. */
const migrations: Record<string, Migration> = {
  '0001-core': core,
  '0002-logging-settings-and-activity': loggingSettingsAndActivity,
  '0003-request-logs': requestLogs,
  '0004-security-rules': securityRules,
  '0005-activity-log-search': activityLogSearch,
  '0006-compact-request-logs': compactRequestLogs,
  '0007-request-log-search': requestLogSearch,
  '0008-log-rollups': logRollups,
  '0009-log-chain-heads': logChainHeads,
  '0010-log-chain-columns': logChainColumns,
  '0011-log-checkpoints': logCheckpoints,
  '0012-log-partitions': logPartitions,
  '0014-alerts': alerts,
  '0015-webhooks-and-email-templates': webhooksAndEmailTemplates,
  '0013-log-sinks': logSinks,
  '0016-admin-mfa': adminMfa,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
