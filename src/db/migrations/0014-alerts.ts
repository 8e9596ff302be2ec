import type { Kysely } from 'kysely';
import { columnTypes } from './dialect.js';

/**
 * Alert rules, the alerts they fired and the notifications sent about them (ADR 0013). Rules are never
 * removed while alerts point at them: deleting a custom rule sets `deleted_at`. `alert_evaluations`
 * holds one row per evaluation interval, so when several processes share the database only the one
 * that claims an interval evaluates it; `alert_measurements` keeps the samples that growth and
 * pipeline rules compare over time.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const { timestamp, json } = columnTypes(db);

  await db.schema
    .createTable('alert_rules')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('builtin', 'text')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('condition', json, (c) => c.notNull())
    .addColumn('cooldown_minutes', 'integer', (c) => c.notNull())
    .addColumn('notify_emails', json, (c) => c.notNull())
    .addColumn('webhook_url', 'text')
    .addColumn('webhook_secret', 'text')
    .addColumn('created_by', 'text')
    .addColumn('created_at', timestamp, (c) => c.notNull())
    .addColumn('updated_at', timestamp, (c) => c.notNull())
    .addColumn('deleted_at', timestamp)
    .execute();
  // One row per built-in rule, whichever process seeds it first.
  await db.schema.createIndex('alert_rules_builtin').on('alert_rules').column('builtin').unique().execute();

  await db.schema
    .createTable('alerts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('rule_id', 'text', (c) => c.notNull().references('alert_rules.id'))
    .addColumn('rule_name', 'text', (c) => c.notNull())
    .addColumn('group_key', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('started_at', timestamp, (c) => c.notNull())
    .addColumn('resolved_at', timestamp)
    .addColumn('last_seen_at', timestamp, (c) => c.notNull())
    .addColumn('value', 'double precision', (c) => c.notNull())
    .addColumn('threshold', 'double precision', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('details', json, (c) => c.notNull())
    .addColumn('acknowledged_at', timestamp)
    .addColumn('acknowledged_by', 'text')
    .execute();
  // Open alerts of a rule and the latest alert of a rule and group (cool-down).
  await db.schema
    .createIndex('alerts_rule_group')
    .on('alerts')
    .columns(['rule_id', 'group_key', 'started_at'])
    .execute();
  await db.schema.createIndex('alerts_state').on('alerts').columns(['state', 'id']).execute();

  await db.schema
    .createTable('alert_notifications')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('alert_id', 'text', (c) => c.notNull().references('alerts.id'))
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('response_status', 'integer')
    .addColumn('error', 'text')
    .addColumn('created_at', timestamp, (c) => c.notNull())
    .addColumn('completed_at', timestamp)
    .execute();
  await db.schema
    .createIndex('alert_notifications_alert')
    .on('alert_notifications')
    .columns(['alert_id', 'id'])
    .execute();
  await db.schema
    .createIndex('alert_notifications_status')
    .on('alert_notifications')
    .columns(['status', 'id'])
    .execute();

  await db.schema
    .createTable('alert_evaluations')
    .addColumn('interval', 'bigint', (c) => c.primaryKey())
    .addColumn('evaluated_at', timestamp, (c) => c.notNull())
    .addColumn('evaluated_by', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('alert_measurements')
    .addColumn('metric', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('measured_at', timestamp, (c) => c.notNull())
    .addColumn('value', 'double precision', (c) => c.notNull())
    .addPrimaryKeyConstraint('alert_measurements_pkey', ['metric', 'source', 'measured_at'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('alert_measurements').execute();
  await db.schema.dropTable('alert_evaluations').execute();
  await db.schema.dropTable('alert_notifications').execute();
  await db.schema.dropTable('alerts').execute();
  await db.schema.dropTable('alert_rules').execute();
}
