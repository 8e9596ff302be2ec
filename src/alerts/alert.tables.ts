import type { ColumnType, Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema.js';

type Json = ColumnType<unknown, string, string>;
type Timestamp = string;

/** Migration 0014. Kept beside the feature: the alert tables are read and written only here. */
export interface AlertRuleTable {
  id: string;
  /** The built-in rule's key (`auth_failure_rate` …); null for a custom rule. */
  builtin: string | null;
  name: string;
  description: string | null;
  severity: string;
  enabled: number;
  condition: Json;
  cooldown_minutes: number;
  notify_emails: Json;
  webhook_url: string | null;
  /** The HMAC key alert webhooks are signed with; never selected for an answer. */
  webhook_secret: string | null;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  deleted_at: Timestamp | null;
}

export interface AlertTable {
  id: string;
  rule_id: string;
  rule_name: string;
  /** The address or endpoint a grouped rule fired for; '' for an ungrouped rule. */
  group_key: string;
  severity: string;
  state: string;
  started_at: Timestamp;
  resolved_at: Timestamp | null;
  last_seen_at: Timestamp;
  value: number;
  threshold: number;
  summary: string;
  details: Json;
  /** Someone said they are on it: bookkeeping only, the alert still resolves by itself. */
  acknowledged_at: Timestamp | null;
  acknowledged_by: string | null;
}

export interface AlertNotificationTable {
  id: string;
  alert_id: string;
  event: string;
  channel: string;
  target: string;
  status: string;
  attempts: number;
  response_status: number | null;
  error: string | null;
  created_at: Timestamp;
  completed_at: Timestamp | null;
}

export interface AlertEvaluationTable {
  interval: number;
  evaluated_at: Timestamp;
  evaluated_by: string;
}

export interface AlertMeasurementTable {
  metric: string;
  source: string;
  measured_at: Timestamp;
  value: number;
}

// A type, not an interface: withTables needs an index signature.
export type AlertTables = {
  alert_rules: AlertRuleTable;
  alerts: AlertTable;
  alert_notifications: AlertNotificationTable;
  alert_evaluations: AlertEvaluationTable;
  alert_measurements: AlertMeasurementTable;
};

export type AlertDb = Kysely<Database & AlertTables>;
export type AlertExecutor = AlertDb | Transaction<Database & AlertTables>;

/** The same connection or transaction, typed with the alert tables too. */
export function withAlertTables(executor: Kysely<Database>): AlertDb;
export function withAlertTables(executor: Transaction<Database>): Transaction<Database & AlertTables>;
export function withAlertTables(executor: Kysely<Database> | Transaction<Database>): AlertExecutor {
  return executor.withTables<AlertTables>() as unknown as AlertExecutor;
}
